import { useRef, useState } from 'react'
import { Dialog } from './Dialog'

interface ShareDialogProps {
  url: string
  open: boolean
  onClose: () => void
}

type CopyState = 'idle' | 'copied' | 'manual'

/** The document's link with "Copy link"; anyone with the link can open and edit. */
export function ShareDialog({ url, open, onClose }: ShareDialogProps) {
  return (
    <Dialog open={open} onClose={onClose} title="Share this document">
      <ShareBody url={url} />
    </Dialog>
  )
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

function ShareBody({ url }: { url: string }) {
  const inputRef = useRef<HTMLInputElement>(null)
  const [state, setState] = useState<CopyState>('idle')

  const copy = async (): Promise<void> => {
    setState((await copyText(url, inputRef.current)) ? 'copied' : 'manual')
  }

  return (
    <div className="stack">
      <p className="muted">Anyone with this link can open and edit the document.</p>
      <label className="field">
        <span>Link</span>
        <input
          ref={inputRef}
          type="text"
          readOnly
          value={url}
          onFocus={(event) => event.currentTarget.select()}
        />
      </label>
      <div className="dialog-actions">
        <p className="copy-status" role="status" aria-live="polite">
          {state === 'copied' && '✓ Copied'}
          {state === 'manual' && 'Press Ctrl+C (⌘C) to copy the selected link'}
        </p>
        <button type="button" className="button button-primary" onClick={() => void copy()}>
          Copy link
        </button>
      </div>
    </div>
  )
}
