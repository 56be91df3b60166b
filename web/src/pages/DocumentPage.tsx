import { closeReasons, CloseCode, isValidDocumentId, Role } from '@tandem/shared'
import { useCallback, useEffect, useRef, useState } from 'react'
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
  type DeadLinkReason,
  type DocumentInfo,
  type DocumentLinks,
  type DocumentLookup,
} from '../collab'
import { DeadLinkNotice } from '../components/DeadLinkNotice'
import { icons } from '../components/icons'
import { Link } from '../components/Link'
import { ShareDialog } from '../components/ShareDialog'
import { StatusBadge } from '../components/StatusBadge'
import { DocumentEditor, useTitleText, type DocumentExporter } from '../editor'
import { HistoryView } from '../history'
import { navigate, removeSearchParam, searchParam } from '../navigation'
import { FIND_PARAM } from '../search'
import { DocumentMenu } from '../transfer'
import { PresenceBar } from '../presence'
import { MessagePage } from './MessagePage'

/**
 * `open` carries what the server said, or only the remembered role when it was not asked yet;
 * `gone` when a link opened from this device's copy turned out to be dead (the session decides
 * what becomes of the copy).
 */
type Gate =
  | { kind: 'checking' }
  | { kind: 'open'; info?: DocumentInfo; role?: string; gone?: DeadLinkReason }
  | Exclude<DocumentLookup, { kind: 'found' }>

/**
 * Decides whether to open document `id`: yes when the server knows it, or when the server cannot
 * be reached but this browser has opened it before (the local copy opens offline). A document
 * opened before opens at once; the server's answer follows, and if the link is dead the open
 * session is told (it forgets the link, or keeps a copy with unsaved changes for its person).
 */
function useDocumentGate(id: string): Gate {
  const [gate, setGate] = useState<Gate>(() => {
    if (!isValidDocumentId(id)) return { kind: 'invalid' }
    const recent = findRecentDocument(id)
    if (!recent) return { kind: 'checking' }
    return {
      kind: 'open',
      ...(recent.role ? { role: recent.role } : {}),
      ...(recent.dead ? { gone: recent.dead } : {}),
    }
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
      } else if (result.kind === 'not-found') {
        setGate((g) => (g.kind === 'open' ? { ...g, gone: g.gone ?? 'gone' } : result))
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
      return <OpenDocument id={id} info={gate.info} role={gate.role} gone={gate.gone} />
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
  /** The server no longer knows this link (or this device knew it dead already). */
  gone: DeadLinkReason | undefined
}

function OpenDocument({ id, info, role, gone }: OpenDocumentProps) {
  const session = useCollabSession(id)
  useEffect(() => markOpened(id), [id])
  useEffect(() => {
    if (!role) return
    updateRole(id, role)
    session?.setRole(role)
  }, [id, role, session])
  useEffect(() => {
    if (gone) session?.linkGone(gone)
  }, [gone, session])
  if (!session) {
    return (
      <main className="message-page" aria-busy="true">
        <p className="muted">Opening document…</p>
      </main>
    )
  }
  return <DocumentView session={session} info={info} role={role} />
}

interface DocumentViewProps {
  session: CollabSession
  info: DocumentInfo | undefined
  /** The link's role as the server said or this device remembers it; undefined before either. */
  role: string | undefined
}

function DocumentView({ session, info, role }: DocumentViewProps) {
  const status = useSessionStatus(session)
  const title = useTitleText(session.title)
  // A tab that just moved to its new edit link shows it straight away, ready to copy.
  const [shareOpen, setShareOpen] = useState(() => session.handoverLinks !== undefined)
  // The links as last heard, when newer than `info`: replaced here, or re-read for the dialog.
  const [latestLinks, setLatestLinks] = useState<DocumentLinks>()
  // Counts resets made here: an answer asked for before the latest one is older than it.
  const resetsHere = useRef(0)
  const exporterRef = useRef<DocumentExporter>(null)
  const dead = status.deadLink
  // History is for edit links only (the server refuses view links: it can hold removed text).
  const canSeeHistory = role !== Role.view && !status.readOnly && !dead
  const [historyOpen, setHistoryOpen] = useState(false)
  const historyButton = useRef<HTMLButtonElement>(null)
  const showHistory = historyOpen && canSeeHistory
  // Opened from a search result: the words to find, once (the address forgets them when done).
  const [find] = useState(() => searchParam(FIND_PARAM))
  const findDone = useCallback(() => removeSearchParam(FIND_PARAM), [])
  const closeHistory = (): void => {
    setHistoryOpen(false)
    historyButton.current?.focus()
  }

  useEffect(() => {
    document.title = `${title.trim() || 'Untitled'} · Tandem`
    updateTitle(session.id, title.trim())
  }, [title, session.id])
  useEffect(() => () => void (document.title = 'Tandem'), [])

  // Someone else may have reset a link since this page heard of it: the dialog shows what the
  // server says now (while it answers, and when it cannot, the links known so far).
  useEffect(() => {
    if (!shareOpen || dead) return
    const controller = new AbortController()
    const resetsBefore = resetsHere.current
    void lookUpDocument(session.id, controller.signal).then((result) => {
      if (result.kind === 'found' && resetsHere.current === resetsBefore) {
        setLatestLinks(result.info.links)
      }
    })
    return () => controller.abort()
  }, [shareOpen, dead, session.id])

  if (dead?.reason === 'gone' && dead.localCopy === 'deleted' && !dead.unsaved) {
    return (
      <MessagePage title="This link no longer works">
        <p>
          Someone with edit access may have reset it, or the document was deleted. Ask whoever
          shared it with you for the new link.
        </p>
        <p className="muted">It has been removed from your recent documents on this device.</p>
      </MessagePage>
    )
  }

  const links: DocumentLinks =
    latestLinks ??
    info?.links ??
    session.handoverLinks ??
    (status.readOnly ? { view: session.id } : { edit: session.id })
  const resetLink = async (role: Role): Promise<void> => {
    if (role === Role.edit) {
      const rotated = await rotateOwnEditLink(session, links)
      // The same document under its new link: the handed-over session is waiting for this page.
      navigate(rotated.url, { replace: true, keepScroll: true })
      return
    }
    resetsHere.current += 1
    const { id } = await rotateLink(session.id, role)
    setLatestLinks({ ...links, [role]: id })
  }

  return (
    <div className={showHistory ? 'document-layout history-open' : 'document-layout'}>
      <header className="doc-header">
        <Link href="/" className="brand" aria-label="Tandem: your documents">
          <img src="/icon.svg" alt="" width="28" height="28" />
          <span className="brand-name">Tandem</span>
        </Link>
        <StatusBadge status={status} />
        <div className="doc-header-end">
          <PresenceBar awareness={session.awareness} />
          {canSeeHistory && (
            <button
              ref={historyButton}
              type="button"
              className="button history-button"
              aria-label="History"
              aria-expanded={showHistory}
              aria-controls={showHistory ? 'history-panel' : undefined}
              onClick={() => (showHistory ? closeHistory() : setHistoryOpen(true))}
            >
              {icons.history}
              <span aria-hidden="true">History</span>
            </button>
          )}
          <DocumentMenu read={() => exporterRef.current?.()} />
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
      {dead && (
        <DeadLinkNotice
          deadLink={dead}
          viewOnly={status.readOnly}
          read={() => exporterRef.current?.()}
          onDelete={() => void session.deleteLocalCopy()}
        />
      )}
      {status.stopped && !dead && (
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
      {/* The editor stays mounted under the history, keeping its selection and undo. */}
      <main className="document-main" hidden={showHistory}>
        <DocumentEditor
          session={session}
          status={status}
          exporterRef={exporterRef}
          find={find}
          onFindDone={findDone}
        />
      </main>
      {showHistory && <HistoryView session={session} onClose={closeHistory} />}
      <ShareDialog
        links={dead ? {} : links}
        onReset={links.edit && !dead ? resetLink : undefined}
        replaced={session.handoverLinks ? Role.edit : undefined}
        linkGone={dead !== undefined}
        open={shareOpen}
        onClose={() => setShareOpen(false)}
      />
    </div>
  )
}
