import { NetworkError, searchDocuments } from '../collab'
import type { SearchBackends } from './searchClient'

/** The browser's: the network state, the server's search API, and this browser's copies. */
export const browserBackends: SearchBackends = {
  online: () => navigator.onLine,
  server: searchDocuments,
  unreachable: (error) => error instanceof NetworkError,
  // Loaded when first needed: it brings Yjs, which the home page otherwise does without.
  local: async (query, recent, signal) =>
    (await import('./localSearch')).searchLocalCopies(query, recent, signal),
}
