import { searchTerms, type SearchResult } from '@tandem/shared'
import { useEffect, useState, useSyncExternalStore } from 'react'
import type { RecentDocument } from '../collab'
import { browserBackends } from './searchBackends'
import { runSearch, type SearchSource } from './searchClient'

/** How long typing must pause before a search is sent, in milliseconds. */
export const SEARCH_DEBOUNCE_MS = 200

/** The latest finished search: what it was for, and what it found or why it failed. */
export interface SearchView {
  /** The query (trimmed) these results are for, which may trail what is typed now. */
  query: string
  source: SearchSource
  results: SearchResult[]
  /** Set when the server refused (rate limited, unavailable…): a message for people. */
  error?: string
}

/** What the search shows for what is typed now. */
export interface DocumentSearch {
  /** False when the query holds no word: show the recent list, not results. */
  active: boolean
  /** A newer search than {@link view}'s is waiting or under way. */
  pending: boolean
  /** The latest finished search; undefined before the first one answers. */
  view: SearchView | undefined
}

/**
 * Searches the documents of `recent` for `query` as it is typed: once typing pauses
 * ({@link SEARCH_DEBOUNCE_MS}), aborting the request of an older query; the recent list changing
 * or the browser going on or off line searches again. Results of the previous search stay until
 * the next ones arrive.
 */
export function useDocumentSearch(
  query: string,
  recent: readonly RecentDocument[],
): DocumentSearch {
  // With what it searched, so a change to the list or the network shows as pending too.
  const [latest, setLatest] = useState<{
    view: SearchView
    recent: readonly RecentDocument[]
    online: boolean
  }>()
  const q = query.trim()
  const active = searchTerms(q).length > 0
  // Going on or off line searches again, in the other place.
  const online = useSyncExternalStore(subscribeOnline, () => navigator.onLine)

  useEffect(() => {
    if (!active) return
    const controller = new AbortController()
    const timer = setTimeout(() => {
      runSearch(q, recent, controller.signal, browserBackends).then(
        (outcome) => {
          if (!controller.signal.aborted)
            setLatest({ view: { query: q, ...outcome }, recent, online })
        },
        (error: unknown) => {
          if (controller.signal.aborted) return
          const message = error instanceof Error ? error.message : String(error)
          setLatest({
            view: { query: q, source: 'server', results: [], error: message },
            recent,
            online,
          })
        },
      )
    }, SEARCH_DEBOUNCE_MS)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [active, q, recent, online])

  const pending =
    active && (latest?.view.query !== q || latest.recent !== recent || latest.online !== online)
  return { active, pending, view: active ? latest?.view : undefined }
}

function subscribeOnline(listener: () => void): () => void {
  window.addEventListener('online', listener)
  window.addEventListener('offline', listener)
  return () => {
    window.removeEventListener('online', listener)
    window.removeEventListener('offline', listener)
  }
}
