import { documentPath } from '@tandem/shared'
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react'
import {
  createDocument,
  forgetDocument,
  getRecentDocuments,
  subscribeRecentDocuments,
} from '../collab'
import { Link } from '../components/Link'
import { relativeTime } from '../components/relativeTime'
import { navigate } from '../navigation'
import { DocumentSearch } from '../search'
import { FileDrop, ImportButton, importFile, ZipButton } from '../transfer'

/** The page at `/`: start a new document or reopen one this browser has seen. */
export function HomePage() {
  const recent = useSyncExternalStore(subscribeRecentDocuments, getRecentDocuments)
  const [creating, setCreating] = useState(false)
  const [importing, setImporting] = useState(false)
  const [error, setError] = useState<string>()
  const busy = creating || importing

  useEffect(() => {
    document.title = 'Tandem'
  }, [])

  const create = async (): Promise<void> => {
    setCreating(true)
    setError(undefined)
    try {
      const { url } = await createDocument()
      navigate(url)
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
      setCreating(false)
    }
  }

  // A picked or dropped file becomes a new document, which then opens.
  const importAndOpen = useCallback(async (file: File): Promise<void> => {
    setImporting(true)
    setError(undefined)
    try {
      const { url } = await importFile(file)
      navigate(url)
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
      setImporting(false)
    }
  }, [])
  const onFile = useCallback((file: File) => void importAndOpen(file), [importAndOpen])

  return (
    <main className="home">
      <header className="home-header">
        <img src="/icon.svg" alt="" width="40" height="40" />
        <div>
          <h1>Tandem</h1>
          <p className="muted">Write together, in real time. Share the link to invite someone.</p>
        </div>
      </header>

      <div className="home-actions">
        <button
          type="button"
          className="button button-primary button-large"
          onClick={() => void create()}
          disabled={busy}
        >
          {creating ? 'Creating…' : 'New document'}
        </button>
        <ImportButton disabled={busy} busy={importing} onFile={onFile} />
      </div>
      <p id="import-hint" className="muted home-hint">
        Import a Markdown, HTML or text file
        <span className="drop-hint">, or drop one anywhere on this page</span>.
      </p>
      <FileDrop disabled={busy} onFile={onFile} onRefused={setError} />
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}

      <section className="recent" aria-labelledby="recent-heading">
        <div className="recent-header">
          <h2 id="recent-heading">Recent documents</h2>
          <ZipButton documents={recent.filter((doc) => !doc.dead)} />
        </div>
        {recent.length === 0 ? (
          <p className="muted">
            Documents you open on this device appear here. Nothing is listed on the server: a link
            is the only way in.
          </p>
        ) : (
          <DocumentSearch recent={recent}>
            <ul className="recent-list" aria-label="Recent documents">
              {recent.map((doc) => (
                <li key={doc.id} className="recent-item">
                  <Link href={documentPath(doc.id)} className="recent-link">
                    <span className="recent-title">{doc.title || 'Untitled'}</span>
                    {doc.dead ? (
                      // Its copy holds unsaved changes: opening it is how to copy or delete them.
                      <span className="recent-meta recent-dead">
                        Link no longer works · your unsaved changes are kept on this device
                      </span>
                    ) : (
                      <span className="recent-meta">
                        Opened{' '}
                        <time dateTime={new Date(doc.lastOpenedMs).toISOString()}>
                          {relativeTime(doc.lastOpenedMs)}
                        </time>
                      </span>
                    )}
                  </Link>
                  {!doc.dead && (
                    <button
                      type="button"
                      className="icon-button"
                      aria-label={`Remove “${doc.title || 'Untitled'}” from this list`}
                      title="Remove from this list (the document is not deleted)"
                      onClick={() => forgetDocument(doc.id)}
                    >
                      ×
                    </button>
                  )}
                </li>
              ))}
            </ul>
          </DocumentSearch>
        )}
      </section>
    </main>
  )
}
