import * as Y from 'yjs'
import { CollabSession, type DocumentLinks } from './CollabSession'

interface Entry {
  session: CollabSession
  refs: number
  destroyTimer: ReturnType<typeof setTimeout> | undefined
  /** Opened by a handover and not acquired by a page yet. */
  awaitingPage?: boolean
}

const entries = new Map<string, Entry>()

/**
 * Time a released session waits before it is destroyed, in milliseconds. Long enough to survive
 * React StrictMode's unmount-remount and a quick navigation back; short enough that a closed
 * document leaves the others' presence promptly.
 */
const RELEASE_GRACE_MS = 250

/**
 * Time a session opened by a handover waits for its page to acquire it, in milliseconds; it is
 * destroyed if nothing does (the tab navigated elsewhere meanwhile).
 */
const HANDOVER_GRACE_MS = 10_000

/** Returns the open session for document `id`, creating it on first use; pair with release. */
export function acquireSession(id: string): CollabSession {
  let entry = entries.get(id)
  if (!entry) {
    entry = { session: new CollabSession(id), refs: 0, destroyTimer: undefined }
    entries.set(id, entry)
  }
  if (entry.destroyTimer !== undefined) {
    clearTimeout(entry.destroyTimer)
    entry.destroyTimer = undefined
  }
  entry.refs += 1
  entry.awaitingPage = false
  return entry.session
}

/**
 * The session a handover opened for link `id`, if no page has acquired it yet, without taking a
 * reference: the page about to acquire it renders it at once instead of "Opening document…".
 */
export function peekSession(id: string): CollabSession | undefined {
  const entry = entries.get(id)
  return entry?.awaitingPage ? entry.session : undefined
}

/** Gives back one reference; the session is destroyed shortly after the last one. */
export function releaseSession(session: CollabSession): void {
  const entry = entries.get(session.id)
  if (!entry || entry.session !== session) return
  entry.refs -= 1
  if (entry.refs > 0) return
  scheduleDestroy(entry, RELEASE_GRACE_MS)
}

/**
 * This tab rotated its own edit link (`old` is its session, now refused by the server) and moves
 * to `newId`. Opens the new link's session holding everything the old document has, edits the
 * server never acknowledged included, and forwards anything that still reaches the old document
 * until it is destroyed. The old session is left to its page, which releases it on navigation.
 */
export function handOverSession(
  old: CollabSession,
  newId: string,
  links: DocumentLinks,
): CollabSession {
  const session = new CollabSession(newId, { state: Y.encodeStateAsUpdate(old.doc), links })
  const forward = (update: Uint8Array): void => Y.applyUpdate(session.doc, update)
  old.doc.on('update', forward)
  session.doc.on('destroy', () => old.doc.off('update', forward))
  const entry: Entry = { session, refs: 0, destroyTimer: undefined, awaitingPage: true }
  entries.set(newId, entry)
  scheduleDestroy(entry, HANDOVER_GRACE_MS)
  return session
}

function scheduleDestroy(entry: Entry, delayMs: number): void {
  entry.destroyTimer = setTimeout(() => {
    if (entry.refs > 0) return
    if (entries.get(entry.session.id) === entry) entries.delete(entry.session.id)
    entry.session.destroy()
  }, delayMs)
}
