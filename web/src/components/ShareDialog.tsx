import { documentPath, Role } from '@tandem/shared'
import { useEffect, useRef, useState } from 'react'
import type { DocumentLinks } from '../collab'
import { Dialog } from './Dialog'

interface ShareDialogProps {
  /** The link tokens this tab knows: both for an edit link, only its own for a view link. */
  links: DocumentLinks
  /**
   * Replaces the link of `role` with a new one; rejects with an Error whose message is shown.
   * Absent when this tab may not reset links (a view link).
   */
  onReset?: (role: Role) => Promise<void>
  /** A link this tab has just replaced, announced as new (e.g. after moving to a new edit link). */
  replaced?: Role
  /** This tab's own link no longer works: there is nothing to share, only what to do instead. */
  linkGone?: boolean
  open: boolean
  onClose: () => void
}

/**
 * The document's links with "Copy" and, for an edit link, "Reset link" (a new link replaces the
 * old one, which stops working at once for everyone using it).
 */
export function ShareDialog(props: ShareDialogProps) {
  const { links, onReset, replaced, linkGone, open, onClose } = props
  const [replacedHere, setReplacedHere] = useState<ReadonlySet<Role>>(
    () => new Set(replaced ? [replaced] : []),
  )
  const reset = onReset
    ? async (role: Role): Promise<void> => {
        await onReset(role)
        setReplacedHere((set) => new Set(set).add(role))
      }
    : undefined
  const focusRole = replaced ?? (links.edit ? Role.edit : Role.view)

  return (
    <Dialog open={open} onClose={onClose} title="Share this document">
      <div className="stack">
        {linkGone && (
          <p className="share-gone">
            The link you opened this document with no longer works, so there is no link to share
            from here. Ask whoever shared it with you for the new link.
          </p>
        )}
        {links.edit && (
          <LinkRow
            label="Edit link"
            hint="Anyone with this link can open and edit the document."
            url={absoluteUrl(links.edit)}
            copyLabel="Copy link"
            resetWarning="Anyone using the old link loses access. This tab moves to the new link."
            onReset={reset && (() => reset(Role.edit))}
            replaced={replacedHere.has(Role.edit)}
            autoFocus={focusRole === Role.edit}
          />
        )}
        {links.view && (
          <LinkRow
            label="View-only link"
            hint="Anyone with this link can read the document and see who is here, but not change it."
            url={absoluteUrl(links.view)}
            copyLabel={links.edit ? 'Copy view link' : 'Copy link'}
            resetWarning="Anyone using the old link loses access."
            onReset={reset && (() => reset(Role.view))}
            replaced={replacedHere.has(Role.view)}
            autoFocus={focusRole === Role.view}
          />
        )}
      </div>
    </Dialog>
  )
}

function absoluteUrl(token: string): string {
  return new URL(documentPath(token), location.origin).href
}

/**
 * Copies with the Clipboard API where there is one (secure contexts); elsewhere (plain http on a
 * LAN address) selects the text and uses the legacy copy command, and if even that fails leaves
 * the link selected with a hint to copy it by hand.
 */
async function copyText(text: string, input: HTMLInputElement | null): Promise<boolean> {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text)
      return true
    } catch {
      // Permission refused or unavailable: fall through to the legacy path.
    }
  }
  if (!input) return false
  input.focus()
  input.select()
  try {
    return document.execCommand('copy')
  } catch {
    return false
  }
}

/** What a row's status line says, besides nothing. */
type RowState =
  | { kind: 'idle' }
  | { kind: 'copied' }
  | { kind: 'manual' }
  | { kind: 'confirm' }
  | { kind: 'resetting' }
  | { kind: 'failed'; message: string }

interface LinkRowProps {
  label: string
  hint: string
  url: string
  copyLabel: string
  /** The confirmation shown before a reset: what happens to people using the old link. */
  resetWarning: string
  /** Resets this link; absent when this tab may not. */
  onReset: (() => Promise<void>) | undefined
  /** This link was just replaced by a new one here. */
  replaced: boolean
  /** Focus (and so select) this link when the dialog opens, ready for Ctrl+C. */
  autoFocus: boolean
}

function LinkRow(props: LinkRowProps) {
  const { label, hint, url, copyLabel, resetWarning, onReset, replaced, autoFocus } = props
  const inputRef = useRef<HTMLInputElement>(null)
  const copyRef = useRef<HTMLButtonElement>(null)
  const resetRef = useRef<HTMLButtonElement>(null)
  const cancelRef = useRef<HTMLButtonElement>(null)
  const [state, setState] = useState<RowState>({ kind: 'idle' })
  // A "Copied" for the old link must not linger beside the new one.
  const [shownUrl, setShownUrl] = useState(url)
  if (shownUrl !== url) {
    setShownUrl(url)
    setState({ kind: 'idle' })
  }

  // Keep the focus in the row as its buttons swap: on Cancel in the confirmation, back on
  // "Reset link" after it, and on Copy once a new link is there.
  const focusAfter = useRef<'cancel' | 'reset' | 'copy' | undefined>(undefined)
  useEffect(() => {
    const target = focusAfter.current
    focusAfter.current = undefined
    if (target === 'cancel') cancelRef.current?.focus()
    else if (target === 'reset') resetRef.current?.focus()
    else if (target === 'copy') copyRef.current?.focus()
  })

  const copy = async (): Promise<void> => {
    setState({ kind: (await copyText(url, inputRef.current)) ? 'copied' : 'manual' })
  }
  const confirmReset = async (): Promise<void> => {
    if (!onReset) return
    setState({ kind: 'resetting' })
    try {
      await onReset()
      focusAfter.current = 'copy'
      setState({ kind: 'idle' })
    } catch (error) {
      focusAfter.current = 'reset'
      setState({ kind: 'failed', message: error instanceof Error ? error.message : String(error) })
    }
  }

  const confirming = state.kind === 'confirm' || state.kind === 'resetting'
  return (
    <section className="share-row" aria-label={label}>
      <label className="field">
        <span>{label}</span>
        <input
          ref={inputRef}
          type="text"
          readOnly
          value={url}
          data-autofocus={autoFocus ? true : undefined}
          onFocus={(event) => event.currentTarget.select()}
        />
      </label>
      <p className="muted share-hint">{hint}</p>
      <p
        className={state.kind === 'failed' ? 'share-status error-text' : 'share-status'}
        role="status"
        aria-live="polite"
      >
        {state.kind === 'copied' && '✓ Copied'}
        {state.kind === 'manual' && 'Press Ctrl+C (⌘C) to copy the selected link'}
        {state.kind === 'failed' && `The link was not reset. ${state.message}`}
        {state.kind === 'idle' && replaced && 'New link ready. The old one no longer works.'}
      </p>
      {confirming ? (
        <div className="share-confirm" role="group" aria-label={`Reset the ${label.toLowerCase()}`}>
          <p>{resetWarning}</p>
          <div className="dialog-actions">
            <button
              ref={cancelRef}
              type="button"
              className="button"
              disabled={state.kind === 'resetting'}
              onClick={() => {
                focusAfter.current = 'reset'
                setState({ kind: 'idle' })
              }}
            >
              Cancel
            </button>
            <button
              type="button"
              className="button button-danger"
              disabled={state.kind === 'resetting'}
              onClick={() => void confirmReset()}
            >
              {state.kind === 'resetting' ? 'Resetting…' : 'Reset link'}
            </button>
          </div>
        </div>
      ) : (
        <div className="dialog-actions">
          {onReset && (
            <button
              ref={resetRef}
              type="button"
              className="button share-reset"
              onClick={() => {
                focusAfter.current = 'cancel'
                setState({ kind: 'confirm' })
              }}
            >
              Reset link
            </button>
          )}
          <button
            ref={copyRef}
            type="button"
            className="button button-primary"
            onClick={() => void copy()}
          >
            {copyLabel}
          </button>
        </div>
      )}
    </section>
  )
}
