import { displayUser, type DisplayUser } from '@tandem/shared'
import type { Version, VersionAuthor } from '../collab'
import { dayAndTime, timeOfDay } from './days'
import type { TimelineEntry } from './timeline'

/** What a version is called in the list: its name, or what kind of save it was. */
export function versionTitle(version: Version): string {
  if (version.kind === 'named' && version.name) return version.name
  return version.kind === 'restore' ? 'Before restore' : 'Autosaved'
}

/** The people of a version as they are safe to render; the same person listed twice once. */
export function versionAuthors(authors: readonly VersionAuthor[]): DisplayUser[] {
  const seen = new Set<string>()
  const people: DisplayUser[] = []
  authors.forEach((author, index) => {
    const person = displayUser(author, index)
    const key = `${person.name}\u0000${person.color}`
    if (seen.has(key)) return
    seen.add(key)
    people.push(person)
  })
  return people
}

/** "Alice", "Alice and Bob", "Alice, Bob and 3 others". */
export function namesText(names: readonly string[], shown = 2): string {
  if (names.length <= shown + 1) {
    return names.length > 1
      ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
      : (names[0] ?? '')
  }
  return `${names.slice(0, shown).join(', ')} and ${names.length - shown} others`
}

/**
 * One line that says which stop of the timeline this is, for the slider and the preview:
 * "Current version", or "Draft for review, Today, 14:05".
 */
export function entryLabel(entry: TimelineEntry, nowMs: number, locale?: string): string {
  if (entry.kind === 'current') return 'Current version'
  return `${versionTitle(entry.version)}, ${dayAndTime(entry.createdMs, nowMs, locale)}`
}

/** The accessible name of a list option: "14:05, Draft for review, by Alice and Bob". */
export function optionLabel(version: Version, createdMs: number, locale?: string): string {
  const names = versionAuthors(version.authors).map((person) => person.name)
  const by = names.length ? `, by ${namesText(names)}` : ''
  return `${timeOfDay(createdMs, locale)}, ${versionTitle(version)}${by}`
}
