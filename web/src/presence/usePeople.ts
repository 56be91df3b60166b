import { displayUser, type DisplayUser } from '@tandem/shared'
import { useCallback, useRef, useSyncExternalStore } from 'react'
import type { Awareness } from 'y-protocols/awareness'

/** Someone in the document: one entry per open tab (awareness client), as it is safe to render. */
export interface Person extends DisplayUser {
  clientId: number
  isYou: boolean
}

/**
 * Every awareness state with a `user` field, whichever client sent it (a stock y-websocket client,
 * another editor), through {@link displayUser}; a state without one (a headless sync client) is
 * not a person to show.
 */
function readPeople(awareness: Awareness): Person[] {
  const people: Person[] = []
  for (const [clientId, state] of awareness.getStates()) {
    const user = (state as { user?: unknown }).user
    if (typeof user !== 'object' || user === null) continue
    people.push({
      ...displayUser(user, clientId),
      clientId,
      isYou: clientId === awareness.clientID,
    })
  }
  // You first, then everyone else in a stable order.
  return people.sort((a, b) => Number(b.isYou) - Number(a.isYou) || a.clientId - b.clientId)
}

function samePeople(a: Person[], b: Person[]): boolean {
  return (
    a.length === b.length &&
    a.every((p, i) => {
      const q = b[i]
      return (
        q &&
        p.clientId === q.clientId &&
        p.name === q.name &&
        p.color === q.color &&
        p.role === q.role
      )
    })
  )
}

/** Everyone present in `awareness`, you first; re-renders only on real changes. */
export function usePeople(awareness: Awareness): Person[] {
  const cache = useRef<Person[]>([])
  const subscribe = useCallback(
    (listener: () => void) => {
      awareness.on('change', listener)
      return () => awareness.off('change', listener)
    },
    [awareness],
  )
  const getSnapshot = useCallback(() => {
    const next = readPeople(awareness)
    if (!samePeople(cache.current, next)) cache.current = next
    return cache.current
  }, [awareness])
  return useSyncExternalStore(subscribe, getSnapshot)
}
