import { useEffect, useState, useSyncExternalStore } from 'react'
import type { CollabSession } from './CollabSession'
import type { SessionStatus } from './sessionStatus'
import { acquireSession, peekSession, releaseSession } from './sessions'

/**
 * The session of document `id` while the calling component is mounted, or undefined (before the
 * first effect, or when `id` is undefined). Created in an effect, never during render; one that
 * already exists (a handover opened it) is shown from the first render.
 */
export function useCollabSession(id: string | undefined): CollabSession | undefined {
  const [session, setSession] = useState<CollabSession | undefined>(() =>
    id === undefined ? undefined : peekSession(id),
  )
  useEffect(() => {
    if (id === undefined) return
    const acquired = acquireSession(id)
    setSession(acquired)
    return () => {
      setSession(undefined)
      releaseSession(acquired)
    }
  }, [id])
  return session?.id === id ? session : undefined
}

/** The live status of `session`. */
export function useSessionStatus(session: CollabSession): SessionStatus {
  return useSyncExternalStore(session.subscribe, session.getStatus)
}
