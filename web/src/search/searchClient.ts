import {
  MAX_SEARCH_LINKS,
  MAX_SEARCH_QUERY_LENGTH,
  searchTerms,
  type SearchBody,
  type SearchResult,
} from '@tandem/shared'
import type { RecentDocument } from '../collab'

/** Where results came from: the server's index, or this browser's own copies (offline). */
export type SearchSource = 'server' | 'local'

/** The answer to one search: documents, best match first, and where they were found. */
export interface SearchOutcome {
  source: SearchSource
  results: SearchResult[]
}

/**
 * The links a search sends: this browser's recent list, most recently opened first, without the
 * dead ones (the server no longer knows them) or repeats, at most {@link MAX_SEARCH_LINKS}.
 */
export function searchLinks(recent: readonly RecentDocument[]): string[] {
  const links = new Set<string>()
  const newestFirst = [...recent].sort((a, b) => b.lastOpenedMs - a.lastOpenedMs)
  for (const doc of newestFirst) {
    if (doc.dead) continue
    links.add(doc.id)
    if (links.size === MAX_SEARCH_LINKS) break
  }
  return [...links]
}

/**
 * The body of `POST /api/search` for what was typed: the query trimmed and cut to
 * {@link MAX_SEARCH_QUERY_LENGTH} (never in the middle of a character), and the recent list's
 * links. Undefined when there is nothing to ask: no word in the query, or no link to search.
 */
export function searchRequest(
  query: string,
  recent: readonly RecentDocument[],
): SearchBody | undefined {
  const q = cutQuery(query)
  if (searchTerms(q).length === 0) return undefined
  const links = searchLinks(recent)
  if (links.length === 0) return undefined
  return { q, links }
}

/** `query` trimmed to at most {@link MAX_SEARCH_QUERY_LENGTH} code units, whole characters only. */
export function cutQuery(query: string): string {
  let q = query.trim()
  if (q.length > MAX_SEARCH_QUERY_LENGTH) {
    q = q.slice(0, MAX_SEARCH_QUERY_LENGTH)
    // A lone high surrogate is half a character (an emoji, say): drop it.
    if (/[\uD800-\uDBFF]$/.test(q)) q = q.slice(0, -1)
  }
  return q
}

/** What {@link runSearch} uses to search; tests give their own. */
export interface SearchBackends {
  /** Whether the browser believes it is online (`navigator.onLine`). */
  online: () => boolean
  /** The server's search (`POST /api/search`). */
  server: (body: SearchBody, signal: AbortSignal) => Promise<SearchResult[]>
  /** Whether an error of {@link server} means the request never reached the server. */
  unreachable: (error: unknown) => boolean
  /** The same search over this browser's copies of `recent`. */
  local: (
    query: string,
    recent: readonly RecentDocument[],
    signal: AbortSignal,
  ) => Promise<SearchResult[]>
}

/**
 * Searches the documents of this browser's recent list for `query`: on the server, or, when the
 * browser is offline or the request cannot reach the server, over this browser's own copies
 * (documents never opened here have none, so they are not found). A refusal from the server
 * (rate limited, bad request, 5xx) rejects with its `ApiRequestError`; aborting `signal` rejects.
 */
export async function runSearch(
  query: string,
  recent: readonly RecentDocument[],
  signal: AbortSignal,
  backends: SearchBackends,
): Promise<SearchOutcome> {
  if (backends.online()) {
    const body = searchRequest(query, recent)
    if (!body) return { source: 'server', results: [] }
    try {
      return { source: 'server', results: await backends.server(body, signal) }
    } catch (error) {
      if (signal.aborted || !backends.unreachable(error)) throw error
    }
  }
  const q = cutQuery(query)
  const results = searchTerms(q).length > 0 ? await backends.local(q, recent, signal) : []
  signal.throwIfAborted()
  return { source: 'local', results }
}
