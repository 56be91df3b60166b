import { foldWord } from '@tandem/shared'
import type { IndexEntry, LinkGrant, SearchHit } from '../DocumentStore.js'
import type { PgDatabase } from './PgDatabase.js'

/**
 * Most UTF-16 code units of folded title and body given to `to_tsvector`. A tsvector holds at
 * most 1 MB of lexemes and positions, and the worst text measured (distinct hyphenated words of
 * three CJK characters: the word and both halves are lexemes) takes 6.5 bytes per code unit, so
 * these keep any text under 0.9 MB. Text past them is stored (for snippets) but not indexed.
 */
const MAX_TITLE_UNITS = 4_096
const MAX_BODY_UNITS = 131_072

/**
 * Replaces the text of documents `$1` (titles `$2`, bodies `$3`) and its tsvector, made from the
 * folded text (`$4`, `$5`) with the title weighted A and the body B, in one statement. Documents
 * that do not exist are left out; the ones that do are locked FOR KEY SHARE, in id order, so a
 * delete cannot slip in between (it waits) and two instances cannot deadlock; appends, which take
 * a weaker lock than a delete, never wait for it.
 */
const INDEX_TEXT_SQL = `
INSERT INTO doc_text AS t (doc_id, title, body, tsv)
SELECT e.doc_id, e.title, e.body,
       setweight(to_tsvector('english', e.folded_title), 'A') ||
       setweight(to_tsvector('english', e.folded_body), 'B')
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
       AS e (doc_id, title, body, folded_title, folded_body)
JOIN documents d ON d.id = e.doc_id
ORDER BY e.doc_id
FOR KEY SHARE OF d
ON CONFLICT (doc_id) DO UPDATE
  SET title = excluded.title, body = excluded.body, tsv = excluded.tsv`

/**
 * The documents among `$1` whose tsvector matches the query `$2` (see {@link tsQuery}), best
 * first: ts_rank with an A (title) lexeme weighing ten times a B (body) one, then the most
 * recently edited; at most `$3`. The rows of `$1` are read first, in a CTE the planner cannot
 * merge: a tsvector lives out of line (TOAST), which the planner does not cost, so given
 * `doc_id = ANY($1) AND tsv @@ q` together it scans every row's tsvector (measured over 10,000
 * documents: 70–110 ms, against 3 ms this way). A query of stop words only (`the`, `and`) has no
 * lexeme and finds nothing (the english configuration leaves them out of documents too).
 */
const SEARCH_SQL = `
WITH wanted AS MATERIALIZED (
  SELECT doc_id, title, body, tsv FROM doc_text WHERE doc_id = ANY($1::text[])
)
SELECT w.doc_id, w.title, w.body, d.updated_at
FROM to_tsquery('english', $2) AS q, wanted w JOIN documents d ON d.id = w.doc_id
WHERE numnode(q) > 0 AND w.tsv @@ q
ORDER BY ts_rank('{0.01, 0.02, 0.1, 1.0}', w.tsv, q) DESC, d.updated_at DESC, w.doc_id
LIMIT $3`

const RESOLVE_LINKS_SQL = 'SELECT token, doc_id, role FROM links WHERE token = ANY($1::text[])'

const UNINDEXED_SQL = `
SELECT id FROM documents d WHERE NOT EXISTS (SELECT 1 FROM doc_text t WHERE t.doc_id = d.id)
LIMIT $1`

/**
 * The PostgreSQL store's search index (table `doc_text`, schema.ts) and the link lookup search
 * needs; one statement per call. A document's row goes with it (deleted with it, and by cascade).
 */
export class PgSearch {
  constructor(private readonly db: PgDatabase) {}

  async resolveLinks(tokens: readonly string[]): Promise<LinkGrant[]> {
    if (tokens.length === 0) return []
    const rows = await this.db.query<{ token: string; doc_id: string; role: string }>(
      'resolving links',
      RESOLVE_LINKS_SQL,
      [[...tokens]],
    )
    return rows.map((row) => ({
      token: row.token,
      docId: row.doc_id,
      role: row.role === 'view' ? 'view' : 'edit',
    }))
  }

  /**
   * The tsvector is made from the text folded as `searchTerms` folds the words of a query
   * (`foldWord`: NFD, combining marks dropped, lower case), so the two agree in every script,
   * and cut to {@link MAX_BODY_UNITS} so that no text can make the statement fail.
   */
  async indexText(entries: readonly IndexEntry[]): Promise<void> {
    // One entry per document (the last): a statement may not update a row twice.
    const byId = new Map(entries.map((entry) => [entry.docId, entry]))
    if (byId.size === 0) return
    const list = [...byId.values()]
    await this.db.write('indexing text', INDEX_TEXT_SQL, [
      list.map((e) => e.docId),
      list.map((e) => e.title),
      list.map((e) => e.body),
      list.map((e) => cut(foldWord(e.title), MAX_TITLE_UNITS)),
      list.map((e) => cut(foldWord(e.body), MAX_BODY_UNITS)),
    ])
  }

  async search(
    docIds: readonly string[],
    terms: readonly string[],
    limit: number,
  ): Promise<SearchHit[]> {
    if (docIds.length === 0 || terms.length === 0 || limit <= 0) return []
    const rows = await this.db.query<{
      doc_id: string
      title: string
      body: string
      updated_at: Date
    }>('searching', SEARCH_SQL, [[...docIds], tsQuery(terms), limit])
    return rows.map((row) => ({
      docId: row.doc_id,
      title: row.title,
      body: row.body,
      updatedAt: row.updated_at.getTime(),
    }))
  }

  async unindexed(limit: number): Promise<string[]> {
    if (limit <= 0) return []
    const rows = await this.db.query<{ id: string }>('listing unindexed documents', UNINDEXED_SQL, [
      limit,
    ])
    return rows.map((row) => row.id)
  }
}

/**
 * A `to_tsquery` text that holds every one of `terms` by prefix: each a quoted lexeme (nothing in
 * quotes is an operator; `'` and `\` are escaped) followed by `:*`, all joined with `&`. The
 * english configuration stems each one, so `running` looks for lexemes that start with `run`.
 */
function tsQuery(terms: readonly string[]): string {
  return terms.map((term) => `'${term.replace(/['\\]/g, '\\$&')}':*`).join(' & ')
}

/** The first `units` code units of `text`, without splitting a surrogate pair. */
function cut(text: string, units: number): string {
  if (text.length <= units) return text
  const last = text.charCodeAt(units - 1)
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? units - 1 : units)
}
