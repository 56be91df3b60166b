import { useEffect, useMemo, useState, type KeyboardEvent } from 'react'
import type { CollabSession } from '../collab'
import { icons } from '../components/icons'
import { dayAndTime } from './days'
import { HistoryActions } from './HistoryActions'
import { entryLabel, versionTitle } from './labels'
import { Timeslider } from './Timeslider'
import {
  buildTimeline,
  CURRENT,
  keepSelection,
  olderVersions,
  positionOf,
  resolveComparison,
  type CompareWith,
  type TimelineEntry,
} from './timeline'
import { usePreview } from './usePreview'
import { useVersionList } from './useVersionList'
import { VersionCache } from './VersionCache'
import { VersionList } from './VersionList'
import { VersionPreview } from './VersionPreview'

/** The "compare with" choice as a `<select>` value. */
function compareValue(compare: CompareWith): string {
  return typeof compare === 'string' ? compare : `v:${compare.versionId}`
}

function parseCompare(value: string): CompareWith {
  if (value === 'previous' || value === 'none') return value
  return { versionId: value.slice(2) }
}

/** What the preview says it compares with, or undefined when it shows no changes. */
function comparedWith(base: TimelineEntry | 'empty' | 'same', nowMs: number): string | undefined {
  if (base === 'same') return undefined
  if (base === 'empty') return 'All of it is new: nothing was saved before it'
  return `Changes since ${entryLabel(base, nowMs)}`
}

interface HistoryViewProps {
  session: CollabSession
  /** Closes the history (Escape, the close button); the page moves the focus back. */
  onClose: () => void
}

/**
 * The document's history: a read-only preview of the selected version with its changes, beside
 * a panel with the timeslider, the actions and the versions by day (a sheet over the preview on
 * a narrow screen). Opens on the current document compared with the latest version.
 */
export function HistoryView({ session, onClose }: HistoryViewProps) {
  const cache = useMemo(() => new VersionCache(session.id), [session.id])
  const { versions, error: listError, reload } = useVersionList(session.id)
  const entries = useMemo(() => buildTimeline(versions ?? []), [versions])
  const [selectedId, setSelectedId] = useState(CURRENT)
  const [compare, setCompare] = useState<CompareWith>('previous')
  // On a narrow screen the panel is a sheet over the preview; folded, it keeps the timeslider.
  const [folded, setFolded] = useState(false)
  // Times are shown relative to today; a panel left open overnight catches up on the next render.
  const nowMs = Date.now()

  // A version thinned away meanwhile: keep the selection on the nearest one saved after it.
  const [seen, setSeen] = useState(entries)
  if (seen !== entries) {
    setSeen(entries)
    setSelectedId(keepSelection(seen, entries, selectedId))
  }

  const comparison = versions ? resolveComparison(entries, selectedId, compare) : undefined
  const preview = usePreview(session, cache, comparison)
  const target = comparison?.target ?? entries[entries.length - 1]

  // Stepping through the timeline: the neighbours are fetched before they are asked for.
  const position = positionOf(entries, selectedId)
  useEffect(() => {
    for (const offset of [-1, 1, -2]) {
      const entry = entries[position + offset]
      if (entry?.kind === 'version') cache.prefetch(entry.id)
    }
  }, [cache, entries, position])

  const onKeyDown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape' || event.defaultPrevented) return
    // A dialog's Escape closes the dialog only.
    if (event.target instanceof Element && event.target.closest('dialog')) return
    event.preventDefault()
    onClose()
  }

  const older = olderVersions(entries, selectedId)
  // A chosen version that no longer fits (not older than the selection) reads as "previous".
  const chosenBase = comparison && typeof comparison.base === 'object' ? comparison.base.id : ''
  const resolvedCompare: CompareWith =
    typeof compare === 'object' && compare.versionId !== chosenBase ? 'previous' : compare

  return (
    <div className="history" onKeyDown={onKeyDown}>
      <VersionPreview
        request={preview.request}
        loading={preview.loading || !comparison}
        error={preview.error ?? (versions ? undefined : listError)}
        label={target ? entryLabel(target, nowMs) : ''}
        comparedWith={comparison && comparedWith(comparison.base, nowMs)}
      />
      <aside
        className={folded ? 'history-panel history-panel-folded' : 'history-panel'}
        id="history-panel"
        aria-labelledby="history-heading"
      >
        <div className="history-panel-head">
          <h2 id="history-heading">Version history</h2>
          <div className="history-panel-head-buttons">
            <button
              type="button"
              className="icon-button history-fold"
              aria-label="Versions and actions"
              aria-expanded={!folded}
              aria-controls="history-panel-more"
              title={folded ? 'Show versions and actions' : 'Hide versions and actions'}
              onClick={() => setFolded(!folded)}
            >
              {folded ? icons.chevronUp : icons.chevronDown}
            </button>
            <button
              type="button"
              className="icon-button"
              aria-label="Close history"
              title="Close history (Esc)"
              onClick={onClose}
            >
              ×
            </button>
          </div>
        </div>
        <Timeslider
          entries={entries}
          selectedId={selectedId}
          onSelect={setSelectedId}
          nowMs={nowMs}
        />
        <div className="history-panel-more" id="history-panel-more">
          <label className="field history-compare">
            <span>Compare with</span>
            <select
              value={compareValue(resolvedCompare)}
              onChange={(event) => setCompare(parseCompare(event.currentTarget.value))}
            >
              <option value="previous">
                {older.length ? 'The version before it' : 'An empty document'}
              </option>
              <option value="none">Nothing: show no changes</option>
              {older.length > 0 && (
                <optgroup label="An older version">
                  {older.map((version) => (
                    <option key={version.id} value={`v:${version.id}`}>
                      {versionTitle(version)}, {dayAndTime(Date.parse(version.createdAt), nowMs)}
                    </option>
                  ))}
                </optgroup>
              )}
            </select>
          </label>
          {target && (
            <HistoryActions
              session={session}
              cache={cache}
              entry={target}
              nowMs={nowMs}
              onRestored={() => {
                setSelectedId(CURRENT)
                setCompare('previous')
                void reload()
              }}
              onNamed={(version) => {
                void reload().then(() => setSelectedId(version.id))
              }}
            />
          )}
          {listError && (
            <p className="error-text history-list-error" role="alert">
              {listError}{' '}
              <button type="button" className="link-button" onClick={() => void reload()}>
                Try again
              </button>
            </p>
          )}
          {versions === undefined && !listError && <p className="muted">Loading versions…</p>}
          <VersionList
            entries={entries}
            selectedId={selectedId}
            onSelect={setSelectedId}
            nowMs={nowMs}
            autoFocus
          />
        </div>
      </aside>
    </div>
  )
}
