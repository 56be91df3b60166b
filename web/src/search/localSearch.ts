import { documentText, type SearchResult } from '@tandem/shared'
import * as Y from 'yjs'
import { readLocalCopy, type RecentDocument } from '../collab'
import { rankLocal, type LocalText } from './localRanking'

/**
 * Searches this browser's copies of the documents in `recent` for `query` (for when the server
 * cannot be asked): each copy is read into a fresh Y.Doc, its text taken, the doc destroyed, one
 * at a time, so no database stays open and only the texts stay in memory. A document without a
 * copy here (never opened in this browser, or its copy deleted) is not found. Rejects when
 * `signal` aborts.
 */
export async function searchLocalCopies(
  query: string,
  recent: readonly RecentDocument[],
  signal: AbortSignal,
): Promise<SearchResult[]> {
  const copies: LocalText[] = []
  for (const entry of recent) {
    signal.throwIfAborted()
    const doc = new Y.Doc()
    try {
      if (await readLocalCopy(entry.id, doc)) {
        copies.push({ id: entry.id, text: documentText(doc), openedMs: entry.lastOpenedMs })
      }
    } catch {
      // An unreadable copy is one document fewer found, not a failed search.
    } finally {
      doc.destroy()
    }
  }
  signal.throwIfAborted()
  return rankLocal(copies, query)
}
