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

/** The value of search parameter `name` in the current address (`?find=…`), if it has one. */
export function searchParam(name: string): string | undefined {
  return new URLSearchParams(location.search).get(name) ?? undefined
}

/**
 * Takes search parameter `name` out of the current address, in place (no new history entry, no
 * re-render), so a reload or a copied address does not act on it again.
 */
export function removeSearchParam(name: string): void {
  const url = new URL(location.href)
  if (!url.searchParams.has(name)) return
  url.searchParams.delete(name)
  history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`)
}
