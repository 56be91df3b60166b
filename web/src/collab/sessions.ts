import { CollabSession } from './CollabSession'

interface Entry {
  session: CollabSession
  refs: number
  destroyTimer: ReturnType<typeof setTimeout> | undefined
}

const entries = new Map<string, Entry>()

/**
 * Time a released session waits before it is destroyed, in milliseconds. Long enough to survive
 * React StrictMode's unmount-remount and a quick navigation back; short enough that a closed
 * document leaves the others' presence promptly.
 */
const RELEASE_GRACE_MS = 250

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
  return entry.session
}

/** Gives back one reference; the session is destroyed shortly after the last one. */
export function releaseSession(session: CollabSession): void {
  const entry = entries.get(session.id)
  if (!entry || entry.session !== session) return
  entry.refs -= 1
  if (entry.refs > 0) return
  entry.destroyTimer = setTimeout(() => {
    if (entry.refs > 0) return
    entries.delete(session.id)
    session.destroy()
  }, RELEASE_GRACE_MS)
}
