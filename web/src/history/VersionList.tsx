import type { DisplayUser } from '@tandem/shared'
import { useEffect, useRef, type KeyboardEvent } from 'react'
import { initials, readableTextColor } from '../components/color'
import { groupByDay, timeOfDay } from './days'
import { namesText, optionLabel, versionAuthors, versionTitle } from './labels'
import { CURRENT, type TimelineEntry } from './timeline'

/** Avatars shown per version before the rest become "+N". */
const MAX_AVATARS = 3

/** Small round avatars of `people`; decorative (the option's label names them). */
function Avatars({ people }: { people: DisplayUser[] }) {
  const shown = people.length > MAX_AVATARS ? people.slice(0, MAX_AVATARS - 1) : people
  const more = people.length - shown.length
  return (
    <span className="version-avatars" aria-hidden="true">
      {shown.map((person) => (
        <span
          key={`${person.name}\u0000${person.color}`}
          className="avatar avatar-small"
          style={{ backgroundColor: person.color, color: readableTextColor(person.color) }}
        >
          {initials(person.name)}
        </span>
      ))}
      {more > 0 && <span className="avatar avatar-small avatar-more">+{more}</span>}
    </span>
  )
}

interface VersionListProps {
  /** The timeline, oldest first, current last. */
  entries: readonly TimelineEntry[]
  selectedId: string
  onSelect: (id: string) => void
  nowMs: number
  /** Gets the focus when the list first shows (the panel just opened). */
  autoFocus: boolean
}

/**
 * The versions as a single-select listbox, the current document first, then the saved ones by
 * day, newest first, each with its time, name and the people who changed it. One Tab stop; the
 * arrow keys, Home and End move the selection (which follows the focus).
 */
export function VersionList({ entries, selectedId, onSelect, nowMs, autoFocus }: VersionListProps) {
  const ref = useRef<HTMLDivElement>(null)
  const newestFirst = [...entries].reverse()
  const saved = newestFirst.flatMap((entry) => (entry.kind === 'version' ? [entry] : []))
  const groups = groupByDay(saved, (entry) => entry.createdMs, nowMs)

  useEffect(() => {
    if (autoFocus) ref.current?.querySelector<HTMLElement>('[aria-selected="true"]')?.focus()
    // Only when the list first shows: later selections move the focus themselves.
  }, [autoFocus])

  const move = (event: KeyboardEvent): void => {
    const index = newestFirst.findIndex((entry) => entry.id === selectedId)
    const last = newestFirst.length - 1
    const next =
      event.key === 'ArrowDown'
        ? Math.min(last, index + 1)
        : event.key === 'ArrowUp'
          ? Math.max(0, index - 1)
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? last
              : undefined
    if (next === undefined) return
    event.preventDefault()
    const id = newestFirst[next]?.id
    if (id === undefined) return
    onSelect(id)
    ref.current?.querySelector<HTMLElement>(`[data-entry="${CSS.escape(id)}"]`)?.focus()
  }

  const optionProps = (id: string) => ({
    role: 'option',
    'aria-selected': id === selectedId,
    tabIndex: id === selectedId ? 0 : -1,
    'data-entry': id,
    className: 'version-option',
    onClick: () => onSelect(id),
  })

  return (
    <div
      ref={ref}
      role="listbox"
      aria-label="Versions"
      className="version-list"
      onKeyDown={move}
      data-testid="version-list"
    >
      <div {...optionProps(CURRENT)} aria-label="Current version, as it is now">
        <span className="version-time">Now</span>
        <span className="version-main">
          <span className="version-name">Current version</span>
        </span>
      </div>
      {groups.map((group) => (
        <div key={group.key} role="group" aria-labelledby={`version-day-${group.key}`}>
          <div id={`version-day-${group.key}`} className="version-day">
            {group.label}
          </div>
          {group.items.map(({ id, version, createdMs }) => {
            const people = versionAuthors(version.authors)
            return (
              <div key={id} {...optionProps(id)} aria-label={optionLabel(version, createdMs)}>
                <span className="version-time">{timeOfDay(createdMs)}</span>
                <span className="version-main">
                  <span className={`version-name version-${version.kind}`}>
                    {versionTitle(version)}
                  </span>
                  {people.length > 0 && (
                    <span className="version-people">
                      <Avatars people={people} />
                      <span className="version-names">
                        {namesText(people.map((person) => person.name))}
                      </span>
                    </span>
                  )}
                </span>
              </div>
            )
          })}
        </div>
      ))}
    </div>
  )
}
