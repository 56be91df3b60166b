import { closeReasons, CloseCode, isValidDocumentId, Role } from '@tandem/shared'
import { useEffect, useState } from 'react'
import {
  findRecentDocument,
  lookUpDocument,
  markOpened,
  rotateLink,
  rotateOwnEditLink,
  updateRole,
  updateTitle,
  useCollabSession,
  useSessionStatus,
  type CollabSession,
  type DocumentInfo,
  type DocumentLinks,
  type DocumentLookup,
} from '../collab'
import { icons } from '../components/icons'
import { Link } from '../components/Link'
import { ShareDialog } from '../components/ShareDialog'
import { StatusBadge } from '../components/StatusBadge'
import { DocumentEditor, useTitleText } from '../editor'
import { navigate } from '../navigation'
import { PresenceBar } from '../presence'
import { MessagePage } from './MessagePage'

/** `open` carries what the server said, or only the remembered role when it was not asked yet. */
type Gate =
  | { kind: 'checking' }
  | { kind: 'open'; info?: DocumentInfo; role?: string }
  | Exclude<DocumentLookup, { kind: 'found' }>

/**
 * Decides whether to open document `id`: yes when the server knows it, or when the server cannot
 * be reached but this browser has opened it before (the local copy opens offline). A document
 * opened before opens at once; the server's answer follows.
 */
function useDocumentGate(id: string): Gate {
  const [gate, setGate] = useState<Gate>(() => {
    if (!isValidDocumentId(id)) return { kind: 'invalid' }
    const recent = findRecentDocument(id)
    return recent
      ? { kind: 'open', ...(recent.role ? { role: recent.role } : {}) }
      : { kind: 'checking' }
  })
  useEffect(() => {
    if (!isValidDocumentId(id)) return
    const controller = new AbortController()
    void lookUpDocument(id, controller.signal).then((result) => {
      if (controller.signal.aborted) return
      if (result.kind === 'found') {
        setGate({ kind: 'open', info: result.info, role: result.info.role })
      } else if (result.kind === 'unreachable') {
        setGate((g) => (g.kind === 'open' ? g : result))
      } else {
        setGate(result)
      }
    })
    return () => controller.abort()
  }, [id])
  return gate
}

/** The page at `/d/:id`. */
export function DocumentPage({ id }: { id: string }) {
  const gate = useDocumentGate(id)

  switch (gate.kind) {
    case 'checking':
      return (
        <main className="message-page" aria-busy="true">
          <p className="muted">Opening document…</p>
        </main>
      )
    case 'open':
      return <OpenDocument id={id} info={gate.info} role={gate.role} />
    case 'invalid':
      return (
        <MessagePage title="This link doesn't lead to a document">
          <p>{closeReasons[CloseCode.badDocumentId]}. Check that you copied the whole link.</p>
        </MessagePage>
      )
    case 'not-found':
      return (
        <MessagePage title="Document not found">
          <p>
            {closeReasons[CloseCode.unknownDocument]}. It may have been deleted, or the link may be
            mistyped or replaced by a new one.
          </p>
        </MessagePage>
      )
    case 'unreachable':
      return (
        <MessagePage title="Can't reach the server">
          <p>
            This document has not been opened on this device before, so there is no copy to show
            offline. Check your connection and <a href={location.pathname}>try again</a>.
          </p>
        </MessagePage>
      )
  }
}

interface OpenDocumentProps {
  id: string
  info: DocumentInfo | undefined
  role: string | undefined
}

function OpenDocument({ id, info, role }: OpenDocumentProps) {
  const session = useCollabSession(id)
  useEffect(() => markOpened(id), [id])
  useEffect(() => {
    if (!role) return
    updateRole(id, role)
    session?.setRole(role)
  }, [id, role, session])
  if (!session) {
    return (
      <main className="message-page" aria-busy="true">
        <p className="muted">Opening document…</p>
      </main>
    )
  }
  return <DocumentView session={session} info={info} />
}

function DocumentView({ session, info }: { session: CollabSession; info?: DocumentInfo }) {
  const status = useSessionStatus(session)
  const title = useTitleText(session.title)
  // A tab that just moved to its new edit link shows it straight away, ready to copy.
  const [shareOpen, setShareOpen] = useState(() => session.handoverLinks !== undefined)
  // Links replaced here since the server described them.
  const [replacedLinks, setReplacedLinks] = useState<DocumentLinks>({})

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

  const links: DocumentLinks = {
    ...(info?.links ??
      session.handoverLinks ??
      (status.readOnly ? { view: session.id } : { edit: session.id })),
    ...replacedLinks,
  }
  const resetLink = async (role: Role): Promise<void> => {
    if (role === Role.edit) {
      const rotated = await rotateOwnEditLink(session, links)
      // The same document under its new link: the handed-over session is waiting for this page.
      navigate(rotated.url, { replace: true, keepScroll: true })
      return
    }
    const { id } = await rotateLink(session.id, role)
    setReplacedLinks((current) => ({ ...current, [role]: id }))
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
          {status.stopped.code === CloseCode.forbidden ? (
            // Retrying a replaced link cannot help; a new link can.
            'Ask whoever shared it for the new link.'
          ) : (
            <>
              Your edits stay on this device.{' '}
              <button type="button" className="link-button" onClick={() => session.retry()}>
                Try again
              </button>
            </>
          )}
        </div>
      )}
      {status.full && (
        <div className="banner banner-error" role="alert">
          This document has reached its size limit. It can still be read, but recent changes were
          not saved and no more can be made.
        </div>
      )}
      {status.readOnly && !status.stopped && (
        <div className="banner" role="note">
          You can view this document and see who is here, but not change it.
        </div>
      )}
      <main className="document-main">
        <DocumentEditor session={session} status={status} />
      </main>
      <ShareDialog
        links={links}
        onReset={links.edit ? resetLink : undefined}
        replaced={session.handoverLinks ? Role.edit : undefined}
        open={shareOpen}
        onClose={() => setShareOpen(false)}
      />
    </div>
  )
}
