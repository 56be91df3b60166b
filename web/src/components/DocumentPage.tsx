import { closeReasons, CloseCode, documentPath, isValidDocumentId } from '@tandem/shared'
import { useEffect, useState } from 'react'
import { lookUpDocument, type DocumentLookup } from '../collab/api'
import type { CollabSession } from '../collab/CollabSession'
import { isRecentDocument, markOpened, updateTitle } from '../collab/recentDocuments'
import { useCollabSession, useSessionStatus } from '../collab/useCollabSession'
import { DocumentEditor } from '../editor/DocumentEditor'
import { icons } from '../editor/icons'
import { useTitleText } from '../editor/useTitleText'
import { PresenceBar } from '../presence/PresenceBar'
import { Link } from './Link'
import { MessagePage } from './MessagePage'
import { ShareDialog } from './ShareDialog'
import { StatusBadge } from './StatusBadge'

type Gate = 'checking' | 'open' | DocumentLookup

/**
 * Decides whether to open document `id`: yes when the server knows it, or when the server cannot
 * be reached but this browser has opened it before (the local copy opens offline).
 */
function useDocumentGate(id: string): Gate {
  const [gate, setGate] = useState<Gate>(() =>
    !isValidDocumentId(id) ? { kind: 'invalid' } : isRecentDocument(id) ? 'open' : 'checking',
  )
  useEffect(() => {
    if (!isValidDocumentId(id)) return
    const controller = new AbortController()
    void lookUpDocument(id, controller.signal).then((result) => {
      if (controller.signal.aborted) return
      if (result.kind === 'found') setGate('open')
      else if (result.kind === 'unreachable') setGate((g) => (g === 'open' ? g : result))
      else setGate(result)
    })
    return () => controller.abort()
  }, [id])
  return gate
}

/** The page at `/d/:id`. */
export function DocumentPage({ id }: { id: string }) {
  const gate = useDocumentGate(id)

  if (gate === 'checking') {
    return (
      <main className="message-page" aria-busy="true">
        <p className="muted">Opening document…</p>
      </main>
    )
  }
  if (gate === 'open') return <OpenDocument id={id} />
  if (gate.kind === 'invalid') {
    return (
      <MessagePage title="This link doesn't lead to a document">
        <p>{closeReasons[CloseCode.badDocumentId]}. Check that you copied the whole link.</p>
      </MessagePage>
    )
  }
  if (gate.kind === 'not-found') {
    return (
      <MessagePage title="Document not found">
        <p>
          {closeReasons[CloseCode.unknownDocument]}. It may have been deleted, or the link may be
          mistyped.
        </p>
      </MessagePage>
    )
  }
  if (gate.kind === 'unreachable') {
    return (
      <MessagePage title="Can't reach the server">
        <p>
          This document has not been opened on this device before, so there is no copy to show
          offline. Check your connection and <a href={location.pathname}>try again</a>.
        </p>
      </MessagePage>
    )
  }
  return <OpenDocument id={id} />
}

function OpenDocument({ id }: { id: string }) {
  const session = useCollabSession(id)
  useEffect(() => markOpened(id), [id])
  if (!session) {
    return (
      <main className="message-page" aria-busy="true">
        <p className="muted">Opening document…</p>
      </main>
    )
  }
  return <DocumentView session={session} />
}

function DocumentView({ session }: { session: CollabSession }) {
  const status = useSessionStatus(session)
  const title = useTitleText(session.title)
  const [shareOpen, setShareOpen] = useState(false)

  useEffect(() => {
    document.title = `${title.trim() || 'Untitled'} · Tandem`
    updateTitle(session.id, title.trim())
  }, [title, session.id])
  useEffect(() => () => void (document.title = 'Tandem'), [])

  if (status.stopped?.code === CloseCode.unknownDocument) {
    return (
      <MessagePage title="Document not found">
        <p>{status.stopped.reason}. It may have been deleted.</p>
      </MessagePage>
    )
  }

  return (
    <div className="document-layout">
      <header className="doc-header">
        <Link href="/" className="brand" aria-label="Tandem: your documents">
          <img src="/icon.svg" alt="" width="28" height="28" />
          <span className="brand-name">Tandem</span>
        </Link>
        <StatusBadge status={status} />
        <div className="doc-header-end">
          <PresenceBar awareness={session.awareness} />
          <button
            type="button"
            className="button button-primary share-button"
            aria-label="Share"
            onClick={() => setShareOpen(true)}
          >
            {icons.share}
            <span aria-hidden="true">Share</span>
          </button>
        </div>
      </header>
      {status.stopped && (
        <div className="banner banner-error" role="alert">
          <strong>Disconnected:</strong> {status.stopped.reason}.{' '}
          {status.stopped.code === CloseCode.forbidden
            ? 'Ask the owner for a new link.'
            : 'Your edits stay on this device.'}{' '}
          <button type="button" className="link-button" onClick={() => session.retry()}>
            Try again
          </button>
        </div>
      )}
      <main className="document-main">
        <DocumentEditor session={session} status={status} />
      </main>
      <ShareDialog
        url={new URL(documentPath(session.id), location.origin).href}
        open={shareOpen}
        onClose={() => setShareOpen(false)}
      />
    </div>
  )
}
