import { useState } from 'react'
import { saveFile } from './download'
import { zipRecentDocuments, type ZippedDocument } from './zipExport'

/**
 * "Download all (.zip)": every document in the list as Markdown, in one archive. Says how many
 * went in, and which could not (offline, or no longer shared) so nothing is silently missing.
 */
export function ZipButton({ documents }: { documents: readonly ZippedDocument[] }) {
  const [busy, setBusy] = useState(false)
  const [message, setMessage] = useState('')
  if (documents.length === 0) return null

  const download = async (): Promise<void> => {
    setBusy(true)
    setMessage('')
    try {
      const zip = await zipRecentDocuments(documents)
      if (zip.included === 0) {
        setMessage(
          navigator.onLine
            ? 'None of these documents could be exported. Try again in a moment.'
            : 'You are offline: connect to download your documents.',
        )
        return
      }
      saveFile(zip)
      setMessage(
        zip.missing.length === 0
          ? `Downloaded ${zip.included} ${zip.included === 1 ? 'document' : 'documents'}.`
          : `Downloaded ${zip.included}; not included (offline or no longer available): ${zip.missing.join(', ')}.`,
      )
    } catch {
      setMessage('The download failed. Try again in a moment.')
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="zip-export">
      <button
        type="button"
        className="button"
        disabled={busy}
        onClick={() => void download()}
        title="Every document in this list as a Markdown file, in one .zip"
      >
        {busy ? 'Preparing…' : 'Download all (.zip)'}
      </button>
      <span className="zip-export-status muted" role="status">
        {message}
      </span>
    </div>
  )
}
