import { useRef, useState } from 'react'
import { Dialog } from './Dialog'

interface ShareDialogProps {
  /** Absolute link that lets people edit; absent for a view-only link. */
  editUrl: string | undefined
  /** Absolute link that lets people only view, when known. */
  viewUrl: string | undefined
  open: boolean
  onClose: () => void
}

/** The document's links with "Copy link"; anyone with a link gets what that link allows. */
export function ShareDialog({ editUrl, viewUrl, open, onClose }: ShareDialogProps) {
  return (
    <Dialog open={open} onClose={onClose} title="Share this document">
      <div className="stack">
        {editUrl && (
          <LinkRow
            label="Link"
            hint="Anyone with this link can open and edit the document."
            url={editUrl}
            button="Copy link"
            autoFocus
          />
        )}
        {viewUrl && (
          <LinkRow
            label="View-only link"
            hint="Anyone with this link can read the document and see who is here."
            url={viewUrl}
            button={editUrl ? 'Copy view link' : 'Copy link'}
            autoFocus={!editUrl}
          />
        )}
      </div>
    </Dialog>
  )
}

type CopyState = 'idle' | 'copied' | 'manual'

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

interface LinkRowProps {
  label: string
  hint: string
  url: string
  button: string
  /** Focus (and so select) this link when the dialog opens, ready for Ctrl+C. */
  autoFocus?: boolean
}

function LinkRow({ label, hint, url, button, autoFocus = false }: LinkRowProps) {
  const inputRef = useRef<HTMLInputElement>(null)
  const [state, setState] = useState<CopyState>('idle')

  const copy = async (): Promise<void> => {
    setState((await copyText(url, inputRef.current)) ? 'copied' : 'manual')
  }

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
      <div className="dialog-actions">
        <p className="copy-status" role="status" aria-live="polite">
          {state === 'copied' && '✓ Copied'}
          {state === 'manual' && 'Press Ctrl+C (⌘C) to copy the selected link'}
        </p>
        <button type="button" className="button button-primary" onClick={() => void copy()}>
          {button}
        </button>
      </div>
    </section>
  )
}
