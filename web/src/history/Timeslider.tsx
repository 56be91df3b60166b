import type { CSSProperties, KeyboardEvent } from 'react'
import { icons } from '../components/icons'
import { entryLabel } from './labels'
import { keyStep, positionOf, type TimelineEntry } from './timeline'

interface TimesliderProps {
  /** The timeline, oldest first, current last. */
  entries: readonly TimelineEntry[]
  selectedId: string
  onSelect: (id: string) => void
  nowMs: number
}

/**
 * Steps through every version, oldest at the left, the current document at the right: drag it,
 * or use the arrow keys (one version), Page Up/Down (a tenth of them), Home and End (either end),
 * or the buttons beside it. Named versions are marked on the track.
 */
export function Timeslider({ entries, selectedId, onSelect, nowMs }: TimesliderProps) {
  const position = positionOf(entries, selectedId)
  const last = entries.length - 1
  const select = (next: number): void => {
    const entry = entries[next]
    if (entry && next !== position) onSelect(entry.id)
  }
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    // The same steps in every browser (they differ on Page Up/Down), and never a half step.
    const next = keyStep(event.key, position, entries.length)
    if (next === undefined) return
    event.preventDefault()
    select(next)
  }
  const current = entries[position]
  const valueText = current ? entryLabel(current, nowMs) : ''

  return (
    <div className="timeslider">
      <div className="timeslider-row">
        <button
          type="button"
          className="icon-button"
          aria-label="Older version"
          disabled={position === 0}
          onClick={() => select(position - 1)}
        >
          {icons.chevronLeft}
        </button>
        <div className="timeslider-track">
          <input
            type="range"
            className="timeslider-input"
            min={0}
            max={Math.max(last, 0)}
            step={1}
            value={position}
            disabled={last < 1}
            aria-label="Timeline of versions"
            aria-valuetext={valueText}
            onChange={(event) => select(Number(event.currentTarget.value))}
            onKeyDown={onKeyDown}
          />
          {last > 0 && (
            <span className="timeslider-marks" aria-hidden="true">
              {entries.map((entry, index) =>
                entry.kind === 'version' && entry.version.kind === 'named' ? (
                  <span
                    key={entry.id}
                    className="timeslider-mark"
                    style={{ '--at': index / last } as CSSProperties}
                  />
                ) : null,
              )}
            </span>
          )}
        </div>
        <button
          type="button"
          className="icon-button"
          aria-label="Newer version"
          disabled={position >= last}
          onClick={() => select(position + 1)}
        >
          {icons.chevronRight}
        </button>
      </div>
      <p className="timeslider-caption" aria-hidden="true">
        {last > 0
          ? position === last
            ? `Now · ${last} saved ${last === 1 ? 'version' : 'versions'}`
            : `Version ${position + 1} of ${last}`
          : 'No saved versions yet'}
      </p>
    </div>
  )
}
