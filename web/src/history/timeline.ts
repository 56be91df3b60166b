import type { Version } from '../collab'

/** The id of the timeline's last stop: the document as it is now, not a saved version. */
export const CURRENT = 'current'

/** One stop on the timeline: a saved version, or the live document ({@link CURRENT}). */
export type TimelineEntry =
  | { kind: 'current'; id: typeof CURRENT }
  | { kind: 'version'; id: string; version: Version; createdMs: number }

/**
 * The timeline the slider steps through: the versions oldest first (the API lists them newest
 * first; equal times keep that order, reversed), then the current document. A version whose
 * time does not parse sorts as the oldest.
 */
export function buildTimeline(versionsNewestFirst: readonly Version[]): TimelineEntry[] {
  const entries = versionsNewestFirst
    .map((version): TimelineEntry => ({
      kind: 'version',
      id: version.id,
      version,
      createdMs: Date.parse(version.createdAt) || 0,
    }))
    .reverse()
    .sort((a, b) => createdMs(a) - createdMs(b))
  return [...entries, { kind: 'current', id: CURRENT }]
}

function createdMs(entry: TimelineEntry): number {
  return entry.kind === 'version' ? entry.createdMs : Number.POSITIVE_INFINITY
}

/** The slider position (index) of entry `id`, or the last one (current) when it is not there. */
export function positionOf(entries: readonly TimelineEntry[], id: string): number {
  const index = entries.findIndex((entry) => entry.id === id)
  return index === -1 ? entries.length - 1 : index
}

/** The entry at slider position `position`, clamped to the timeline (whole steps only). */
export function entryAt(entries: readonly TimelineEntry[], position: number): TimelineEntry {
  const last = entries.length - 1
  const index = Number.isFinite(position) ? Math.min(last, Math.max(0, Math.round(position))) : last
  return entries[index] as TimelineEntry
}

/**
 * The slider position after key `key` at `position` on a timeline of `count` stops, or
 * undefined for a key the slider does not handle. Arrows step by one (right and up go forward
 * in time), Page Up/Down by a tenth of the timeline (at least one), Home and End to either end.
 */
export function keyStep(key: string, position: number, count: number): number | undefined {
  const last = count - 1
  const page = Math.max(1, Math.round(count / 10))
  const clamp = (value: number): number => Math.min(last, Math.max(0, value))
  switch (key) {
    case 'ArrowRight':
    case 'ArrowUp':
      return clamp(position + 1)
    case 'ArrowLeft':
    case 'ArrowDown':
      return clamp(position - 1)
    case 'PageUp':
      return clamp(position + page)
    case 'PageDown':
      return clamp(position - page)
    case 'Home':
      return 0
    case 'End':
      return last
    default:
      return undefined
  }
}

/**
 * What to compare the selected entry with: the entry just before it (`previous`), nothing, so
 * no changes show (`none`), or any older version by id.
 */
export type CompareWith = 'previous' | 'none' | { versionId: string }

/**
 * The two states a preview shows: `target`, with the changes since `base` highlighted. `base` is
 * `empty` for the oldest version compared with what came before it (everything is new), `same`
 * when nothing is compared, or an older entry. A chosen version that is not older than the
 * target (or no longer listed) falls back to the previous one: the diff always reads forward.
 */
export interface Comparison {
  target: TimelineEntry
  base: TimelineEntry | 'empty' | 'same'
}

/** The comparison for entry `selectedId` (current when not listed) against `compare`. */
export function resolveComparison(
  entries: readonly TimelineEntry[],
  selectedId: string,
  compare: CompareWith,
): Comparison {
  const position = positionOf(entries, selectedId)
  const target = entries[position] as TimelineEntry
  if (compare === 'none') return { target, base: 'same' }
  if (compare !== 'previous') {
    const chosen = entries.findIndex((entry) => entry.id === compare.versionId)
    if (chosen !== -1 && chosen < position)
      return { target, base: entries[chosen] as TimelineEntry }
  }
  return { target, base: position > 0 ? (entries[position - 1] as TimelineEntry) : 'empty' }
}

/** The versions `selectedId` can be compared with: every older one, newest first. */
export function olderVersions(entries: readonly TimelineEntry[], selectedId: string): Version[] {
  return entries
    .slice(0, positionOf(entries, selectedId))
    .flatMap((entry) => (entry.kind === 'version' ? [entry.version] : []))
    .reverse()
}

/**
 * The entry to keep selected after the list reloads: the same one when still listed, otherwise
 * (thinned away) the first one saved after it, or current.
 */
export function keepSelection(
  before: readonly TimelineEntry[],
  after: readonly TimelineEntry[],
  selectedId: string,
): string {
  if (after.some((entry) => entry.id === selectedId)) return selectedId
  const old = before.find((entry) => entry.id === selectedId)
  if (!old || old.kind !== 'version') return CURRENT
  const next = after.find((entry) => entry.kind === 'version' && entry.createdMs >= old.createdMs)
  return next?.id ?? CURRENT
}
