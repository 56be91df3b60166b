import { MAX_VERSION_NAME_LENGTH, versionName as validVersionName } from '@tandem/shared'
import { useState, type FormEvent } from 'react'
import {
  createDocument,
  nameVersion,
  restoreVersion,
  writeLocalCopy,
  type CollabSession,
  type RestoredVersion,
  type Version,
} from '../collab'
import { Dialog } from '../components/Dialog'
import { entryLabel } from './labels'
import type { TimelineEntry } from './timeline'
import { copyOf, currentVersion } from './updates'
import type { VersionCache } from './VersionCache'

/** The last action's outcome, shown under the buttons. */
type Outcome =
  | { kind: 'restored'; result: RestoredVersion; undone: boolean }
  | { kind: 'named'; version: Version }
  | { kind: 'copied'; url: string; inNewTab: boolean }
  | { kind: 'failed'; message: string }

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

interface HistoryActionsProps {
  session: CollabSession
  cache: VersionCache
  /** The selected stop of the timeline: what the actions act on. */
  entry: TimelineEntry
  nowMs: number
  /** A restore (or its undo) happened: reload the list and show the live document. */
  onRestored: () => void
  /** The current state was saved as `version`: reload the list and select it. */
  onNamed: (version: Version) => void
}

/**
 * What can be done with the selected entry: restore a saved version (after a confirmation that
 * says the current state is kept as a version, and with an undo afterwards), name the current
 * state, and make a copy of either as a new document in a new tab.
 */
export function HistoryActions(props: HistoryActionsProps) {
  const { session, cache, entry, nowMs, onRestored, onNamed } = props
  const [dialog, setDialog] = useState<'restore' | 'name'>()
  const [busy, setBusy] = useState<'restore' | 'undo' | 'copy'>()
  const [outcome, setOutcome] = useState<Outcome>()

  const restore = async (versionId: string, undo: boolean): Promise<void> => {
    setBusy(undo ? 'undo' : 'restore')
    try {
      const result = await restoreVersion(session.id, versionId)
      setDialog(undefined)
      setOutcome({ kind: 'restored', result, undone: undo })
      onRestored()
    } catch (error) {
      setOutcome({ kind: 'failed', message: `Nothing was restored. ${messageOf(error)}` })
      setDialog(undefined)
    } finally {
      setBusy(undefined)
    }
  }

  const makeCopy = async (): Promise<void> => {
    // Opened now, while the click still counts as one: a tab opened after the requests below
    // would be taken for a pop-up and blocked.
    const tab = window.open('', '_blank')
    if (tab) {
      tab.opener = null
      tab.document.title = 'Making a copy…'
    }
    setBusy('copy')
    setOutcome(undefined)
    try {
      const source =
        entry.kind === 'current' ? currentVersion(session.doc) : await cache.load(entry.id)
      const state = copyOf(source.updateV2)
      const created = await createDocument()
      // The new page opens with this copy on the device, and its first sync uploads it.
      await writeLocalCopy(created.id, state)
      const inNewTab = tab !== null && !tab.closed
      if (inNewTab) tab.location.href = new URL(created.url, location.origin).href
      setOutcome({ kind: 'copied', url: created.url, inNewTab })
    } catch (error) {
      tab?.close()
      setOutcome({ kind: 'failed', message: `No copy was made. ${messageOf(error)}` })
    } finally {
      setBusy(undefined)
    }
  }

  const label = entryLabel(entry, nowMs)
  return (
    <div className="history-actions">
      <div className="history-buttons">
        {entry.kind === 'version' ? (
          <button
            type="button"
            className="button button-primary"
            disabled={busy !== undefined}
            onClick={() => setDialog('restore')}
          >
            Restore this version
          </button>
        ) : (
          <button
            type="button"
            className="button button-primary"
            disabled={busy !== undefined}
            onClick={() => setDialog('name')}
          >
            Name this version
          </button>
        )}
        <button
          type="button"
          className="button"
          disabled={busy !== undefined}
          onClick={() => void makeCopy()}
        >
          {busy === 'copy' ? 'Making a copy…' : 'Make a copy'}
        </button>
      </div>
      <p
        className={outcome?.kind === 'failed' ? 'history-status error-text' : 'history-status'}
        role="status"
        aria-live="polite"
      >
        {outcome?.kind === 'failed' && outcome.message}
        {outcome?.kind === 'named' && `Saved as “${outcome.version.name ?? ''}”.`}
        {outcome?.kind === 'copied' && (
          <>
            {outcome.inNewTab ? 'The copy opened in a new tab. ' : 'Your copy is ready. '}
            <a href={outcome.url} target="_blank" rel="noopener">
              Open the copy
            </a>
          </>
        )}
        {outcome?.kind === 'restored' &&
          (outcome.undone ? (
            'Undone: the document is back as it was before the restore.'
          ) : (
            <>
              Restored. What was there before is kept as a version.{' '}
              <button
                type="button"
                className="link-button"
                disabled={busy !== undefined}
                onClick={() => void restore(outcome.result.before.id, true)}
              >
                {busy === 'undo' ? 'Undoing…' : 'Undo'}
              </button>
            </>
          ))}
      </p>
      <Dialog
        open={dialog === 'restore'}
        onClose={() => busy === undefined && setDialog(undefined)}
        title="Restore this version?"
      >
        <div className="stack">
          <p className="dialog-text">
            The document goes back to <strong>{label}</strong>, for everyone working on it.
          </p>
          <p className="dialog-text">
            The current state is kept as a version first, so you can undo this by restoring it.
          </p>
          <div className="dialog-actions">
            <button
              type="button"
              className="button"
              data-autofocus
              disabled={busy !== undefined}
              onClick={() => setDialog(undefined)}
            >
              Cancel
            </button>
            <button
              type="button"
              className="button button-primary"
              disabled={busy !== undefined}
              onClick={() => entry.kind === 'version' && void restore(entry.id, false)}
            >
              {busy === 'restore' ? 'Restoring…' : 'Restore'}
            </button>
          </div>
        </div>
      </Dialog>
      <Dialog
        open={dialog === 'name'}
        onClose={() => setDialog(undefined)}
        title="Name this version"
      >
        <NameForm
          save={(name) => nameVersion(session.id, name)}
          onSaved={(version) => {
            setDialog(undefined)
            setOutcome({ kind: 'named', version })
            onNamed(version)
          }}
          onCancel={() => setDialog(undefined)}
        />
      </Dialog>
    </div>
  )
}

interface NameFormProps {
  save: (name: string) => Promise<Version>
  onSaved: (version: Version) => void
  onCancel: () => void
}

/** The name of the version to save: 1–100 characters once trimmed, as the server checks. */
function NameForm({ save, onSaved, onCancel }: NameFormProps) {
  const [name, setName] = useState('')
  const [error, setError] = useState<string>()
  const [saving, setSaving] = useState(false)

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    const valid = validVersionName(name)
    if (valid === undefined) {
      setError(`Give it a name of 1 to ${MAX_VERSION_NAME_LENGTH} characters.`)
      return
    }
    setSaving(true)
    setError(undefined)
    try {
      onSaved(await save(valid))
    } catch (failure) {
      setError(`The version was not saved. ${messageOf(failure)}`)
      setSaving(false)
    }
  }

  return (
    <form className="stack" onSubmit={(event) => void submit(event)} noValidate>
      <label className="field">
        <span>Name</span>
        <input
          type="text"
          value={name}
          maxLength={MAX_VERSION_NAME_LENGTH}
          placeholder="Draft for review"
          autoComplete="off"
          aria-describedby="version-name-hint"
          aria-invalid={error !== undefined}
          onChange={(event) => setName(event.target.value)}
          data-autofocus
        />
      </label>
      <p id="version-name-hint" className="muted dialog-hint">
        The document as it is now is saved under this name and kept for good.
      </p>
      {error && (
        <p className="error-text dialog-hint" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onCancel} disabled={saving}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save version'}
        </button>
      </div>
    </form>
  )
}
