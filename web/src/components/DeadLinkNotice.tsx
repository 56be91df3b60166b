import { useId, useState } from 'react'
import type { DeadLink } from '../collab'
import type { DocumentExport } from '../editor'
import { Link } from './Link'

interface DeadLinkNoticeProps {
  deadLink: DeadLink
  /** The link only let this person view the document. */
  viewOnly: boolean
  /** The document as this page shows it (unsaved changes included); undefined before it loads. */
  read: () => DocumentExport | undefined
  /** Deletes this device's copy (once the person has what they need from it). */
  onDelete: () => void
}

type CopyState = 'idle' | 'copied' | 'failed'

/**
 * What a person whose link stopped working needs to know, at the top of the document page: what
 * happened, what to do (ask for the new link), and what became of this device's copy. When the
 * copy holds changes the server never confirmed, it offers to copy or download the text before
 * deleting the copy.
 */
export function DeadLinkNotice({ deadLink, viewOnly, read, onDelete }: DeadLinkNoticeProps) {
  const headingId = useId()
  const [copyState, setCopyState] = useState<CopyState>('idle')
  const { reason, localCopy, unsaved } = deadLink

  const copy = async (): Promise<void> => {
    const content = read()
    setCopyState(content && (await copyDocument(content)) ? 'copied' : 'failed')
  }
  const download = (): void => {
    const content = read()
    if (content) downloadText(`${fileName(content.title)}.txt`, content.text)
  }

  return (
    <section className="dead-link" aria-labelledby={headingId} data-testid="dead-link">
      <div role="alert">
        <h2 id={headingId}>
          {reason === 'reset' ? 'This link was reset' : 'This link no longer works'}
        </h2>
        <p>
          {reason === 'reset'
            ? `Someone with edit access reset this ${viewOnly ? 'view-only ' : ''}link, so it no longer opens the document. `
            : 'Someone with edit access may have reset it, or the document was deleted. '}
          Ask whoever shared it with you for the new link.
        </p>
        {localCopy === 'deleted' && !unsaved && (
          <p className="muted">It has been removed from your recent documents on this device.</p>
        )}
        {localCopy === 'kept' && (
          <p>
            <strong>Your latest changes never reached the server.</strong> They are only on this
            device, in the text below: copy or download it, then add your changes through the new
            link. The copy stays on this device until you delete it.
          </p>
        )}
        {localCopy === 'deleted' && unsaved && (
          <p>
            <strong>Deleted from this device.</strong> Your unsaved changes are still in the text
            below until you leave this page.
          </p>
        )}
      </div>
      {unsaved && (
        <div className="dead-link-actions">
          <button type="button" className="button button-primary" onClick={() => void copy()}>
            Copy the text
          </button>
          <button type="button" className="button" onClick={download}>
            Download
          </button>
          {localCopy === 'kept' && (
            <button type="button" className="button button-danger" onClick={onDelete}>
              Delete from this device
            </button>
          )}
        </div>
      )}
      <p className="dead-link-status" role="status">
        {copyState === 'copied' &&
          '✓ Copied the whole text, your changes included. Paste it where you need it.'}
        {copyState === 'failed' &&
          'Copying did not work here. Download it instead, or select the text below and copy it.'}
      </p>
      <p className="dead-link-home">
        <Link href="/">Go to your documents</Link>
      </p>
    </section>
  )
}

/**
 * Puts `content` on the clipboard as HTML and plain text (pasting into an editor keeps the
 * formatting); plain text only where the browser cannot do both. False when it failed (no
 * Clipboard API outside secure contexts, or permission refused).
 */
async function copyDocument(content: DocumentExport): Promise<boolean> {
  if (!navigator.clipboard || !window.isSecureContext) return false
  try {
    if (typeof ClipboardItem === 'function') {
      await navigator.clipboard.write([
        new ClipboardItem({
          'text/html': new Blob([content.html], { type: 'text/html' }),
          'text/plain': new Blob([content.text], { type: 'text/plain' }),
        }),
      ])
    } else {
      await navigator.clipboard.writeText(content.text)
    }
    return true
  } catch {
    return false
  }
}

/** Saves `text` as a UTF-8 file named `name` through the browser's download. */
function downloadText(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }))
  const link = document.createElement('a')
  link.href = url
  link.download = name
  link.click()
  // The download has started from the URL by now; a later revoke only frees the memory.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** A file name from a document title: characters file systems reject removed, never empty. */
function fileName(title: string): string {
  const safe = Array.from(title, (c) => (c < ' ' || '\\/:*?"<>|'.includes(c) ? ' ' : c))
    .join('')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 80)
  return safe || 'Untitled'
}
