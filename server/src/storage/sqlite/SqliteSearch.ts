import type Database from 'better-sqlite3'
import { foldWord } from '@tandem/shared'
import type { IndexEntry, LinkGrant, SearchHit } from '../DocumentStore.js'
import type { IndexRow, WriterCall } from './writerMessages.js'

/**
 * The documents of `$docIds` (a JSON array) whose text matches `$query`, best first: bm25 with a
 * title match weighing ten times a body match (lower is better), then the most recently edited.
 * FTS5 lists the matches from its index; those of other documents are dropped by rowid before
 * anything of theirs is read or ranked. The `+` on `i.rowid` keeps both rowid conditions away
 * from FTS5: given rowids, it runs the whole query once per rowid, ranking statistics and prefix
 * merges included (measured, 100 documents of 10,000: 0.2–6 s instead of 5–10 ms).
 */
const SEARCH_SQL = `
SELECT t.doc_id, t.title, t.body, d.updated_at
FROM doc_text_index i
JOIN doc_text t ON t.id = +i.rowid
JOIN documents d ON d.id = t.doc_id
WHERE doc_text_index MATCH $query
  AND +i.rowid IN (SELECT id FROM doc_text WHERE doc_id IN (SELECT value FROM json_each($docIds)))
ORDER BY bm25(doc_text_index, 10.0, 1.0), d.updated_at DESC, t.doc_id
LIMIT $limit`

interface HitRow {
  doc_id: string
  title: string
  body: string
  updated_at: number
}

/**
 * The SQLite store's search index (tables in migrations.ts) and the link lookup search needs:
 * reads on the store's reading connection, writes through its writer thread (`request`,
 * SqliteSearchWrites.ts).
 */
export class SqliteSearch {
  readonly #stmt

  constructor(
    db: Database.Database,
    private readonly request: (request: WriterCall) => Promise<unknown>,
  ) {
    this.#stmt = {
      resolveLinks: db.prepare<[string], { token: string; doc_id: string; role: string }>(
        'SELECT token, doc_id, role FROM links WHERE token IN (SELECT value FROM json_each(?))',
      ),
      search: db.prepare<[{ query: string; docIds: string; limit: number }], HitRow>(SEARCH_SQL),
      unindexed: db.prepare<[number], { id: string }>(
        `SELECT id FROM documents d
         WHERE NOT EXISTS (SELECT 1 FROM doc_text t WHERE t.doc_id = d.id) LIMIT ?`,
      ),
    }
  }

  resolveLinks(tokens: readonly string[]): LinkGrant[] {
    if (tokens.length === 0) return []
    return this.#stmt.resolveLinks.all(JSON.stringify(tokens)).map((row) => ({
      token: row.token,
      docId: row.doc_id,
      role: row.role === 'view' ? 'view' : 'edit',
    }))
  }

  /**
   * FTS5 is given the text folded as `searchTerms` folds the words of a query (`foldWord`: NFD,
   * combining marks dropped, lower case), so the two agree in every script; its own
   * remove_diacritics knows Latin letters only (`ά`, `한` decomposed, would not match). Folded
   * here: the writer thread does not load the shared package.
   */
  async indexText(entries: readonly IndexEntry[]): Promise<void> {
    if (entries.length === 0) return
    const rows = entries.map(({ docId, title, body }): IndexRow => ({
      docId,
      title,
      body,
      foldedTitle: foldWord(title),
      foldedBody: foldWord(body),
    }))
    await this.request({ op: 'indexText', rows })
  }

  search(docIds: readonly string[], terms: readonly string[], limit: number): SearchHit[] {
    if (docIds.length === 0 || terms.length === 0 || limit <= 0) return []
    const rows = this.#stmt.search.all({
      query: matchQuery(terms),
      docIds: JSON.stringify(docIds),
      limit,
    })
    return rows.map((row) => ({
      docId: row.doc_id,
      title: row.title,
      body: row.body,
      updatedAt: row.updated_at,
    }))
  }

  unindexed(limit: number): string[] {
    if (limit <= 0) return []
    return this.#stmt.unindexed.all(limit).map((row) => row.id)
  }
}

/**
 * An FTS5 query that holds every one of `terms` by prefix: each a string literal (FTS5 reads
 * nothing inside one as syntax; a `"` is doubled) followed by `*`, all ANDed. The porter
 * tokenizer stems the literal too, so `running` looks for words whose stem starts with `run`.
 */
function matchQuery(terms: readonly string[]): string {
  return terms.map((term) => `"${term.replaceAll('"', '""')}"*`).join(' ')
}
