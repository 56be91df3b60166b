import { useCallback, useSyncExternalStore } from 'react'
import type * as Y from 'yjs'

/** The current string of `title`, re-rendering when anyone changes it. */
export function useTitleText(title: Y.Text): string {
  const subscribe = useCallback(
    (listener: () => void) => {
      title.observe(listener)
      return () => title.unobserve(listener)
    },
    [title],
  )
  return useSyncExternalStore(subscribe, () => title.toString())
}
