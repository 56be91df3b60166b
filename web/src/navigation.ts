import { useSyncExternalStore } from 'react'

const listeners = new Set<() => void>()

function notify(): void {
  for (const listener of listeners) listener()
}

window.addEventListener('popstate', notify)

/**
 * Goes to app path `path` without reloading; `replace` swaps the current history entry, and
 * `keepScroll` stays where the page is (the same document under a new link) instead of the top.
 */
export function navigate(path: string, { replace = false, keepScroll = false } = {}): void {
  if (path === location.pathname) return
  if (replace) history.replaceState(null, '', path)
  else history.pushState(null, '', path)
  if (!keepScroll) window.scrollTo(0, 0)
  notify()
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** The current location path (e.g. `/d/abc`), re-rendering on navigation. */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => location.pathname)
}
