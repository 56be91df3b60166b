import type Database from 'better-sqlite3'
import type { IndexRow } from './writerMessages.js'

/**
 * The search index's writes (tables in migrations.ts), run on the writer connection only. A
 * document's row in `doc_text` holds its text as given and numbers its row in the FTS5 index
 * `doc_text_index`, which is given the folded text (see SqliteSearch.indexText).
 */
export class SqliteSearchWrites {
  readonly #db: Database.Database
  readonly #stmt

  constructor(db: Database.Database) {
    this.#db = db
    this.#stmt = {
      docExists: db.prepare<[string], { one: number }>(
        'SELECT 1 AS one FROM documents WHERE id = ?',
      ),
      rowOf: db.prepare<[string], { id: number }>('SELECT id FROM doc_text WHERE doc_id = ?'),
      insertRow: db.prepare<[string, string, string], { id: number }>(
        'INSERT INTO doc_text (doc_id, title, body) VALUES (?, ?, ?) RETURNING id',
      ),
      updateRow: db.prepare('UPDATE doc_text SET title = ?, body = ? WHERE id = ?'),
      deleteRow: db.prepare('DELETE FROM doc_text WHERE id = ?'),
      insertIndex: db.prepare('INSERT INTO doc_text_index (rowid, title, body) VALUES (?, ?, ?)'),
      updateIndex: db.prepare('UPDATE doc_text_index SET title = ?, body = ? WHERE rowid = ?'),
      deleteIndex: db.prepare('DELETE FROM doc_text_index WHERE rowid = ?'),
    }
  }

  /** Gives a new document its row with empty text; runs inside the caller's transaction. */
  addEmpty(docId: string): void {
    this.#insert({ docId, title: '', body: '', foldedTitle: '', foldedBody: '' })
  }

  /** Removes the document's text and its index entries, if any; inside the caller's transaction. */
  remove(docId: string): void {
    const row = this.#stmt.rowOf.get(docId)
    if (!row) return
    this.#stmt.deleteIndex.run(row.id)
    this.#stmt.deleteRow.run(row.id)
  }

  /**
   * Replaces the text of each entry's document, giving it a row if it has none, in one
   * transaction; entries of documents that do not exist (deleted meanwhile) are skipped.
   */
  indexText(rows: readonly IndexRow[]): void {
    this.#db.transaction(() => {
      for (const entry of rows) {
        const row = this.#stmt.rowOf.get(entry.docId)
        if (row) {
          this.#stmt.updateRow.run(entry.title, entry.body, row.id)
          this.#stmt.updateIndex.run(entry.foldedTitle, entry.foldedBody, row.id)
        } else if (this.#stmt.docExists.get(entry.docId)) {
          this.#insert(entry)
        }
      }
    })()
  }

  #insert(entry: IndexRow): void {
    const row = this.#stmt.insertRow.get(entry.docId, entry.title, entry.body)
    if (!row) throw new Error('inserting a search row returned no id')
    this.#stmt.insertIndex.run(row.id, entry.foldedTitle, entry.foldedBody)
  }
}
