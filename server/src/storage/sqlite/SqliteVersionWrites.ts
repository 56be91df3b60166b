import type Database from 'better-sqlite3'
import { checksumOf } from '../checksum.js'
import type { ClientAuthor } from '../DocumentStore.js'
import { StoreError, StoreErrorCode } from '../errors.js'
import type { VersionRow } from './writerMessages.js'

/** The version-history writes, each one transaction; run on the writer connection only. */
export class SqliteVersionWrites {
  readonly #db: Database.Database
  readonly #stmt

  constructor(db: Database.Database) {
    this.#db = db
    this.#stmt = {
      docExists: db.prepare<[string], { one: number }>(
        'SELECT 1 AS one FROM documents WHERE id = ?',
      ),
      insertVersion: db.prepare(
        `INSERT INTO versions (id, doc_id, kind, name, created_at, authors, summary, data, crc)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      deleteVersion: db.prepare('DELETE FROM versions WHERE doc_id = ? AND id = ?'),
      versionRow: db.prepare<[string, string], { seq: number; data: Buffer; crc: number }>(
        'SELECT seq, data, crc FROM versions WHERE doc_id = ? AND id = ?',
      ),
      insertQuarantine: db.prepare(
        `INSERT INTO quarantine (doc_id, kind, seq, data, crc, reason, created_at)
         VALUES (?, 'version', ?, ?, ?, ?, ?)`,
      ),
      replaceAuthor: db.prepare(
        `INSERT INTO authors (doc_id, client_id, name, color, role, updated_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (doc_id, client_id) DO UPDATE SET name = excluded.name,
           color = excluded.color, role = excluded.role, updated_at = excluded.updated_at`,
      ),
      addAuthor: db.prepare(
        `INSERT INTO authors (doc_id, client_id, name, color, role, updated_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (doc_id, client_id) DO NOTHING`,
      ),
    }
  }

  #mustExist(docId: string): void {
    if (!this.#stmt.docExists.get(docId)) {
      throw new StoreError(StoreErrorCode.notFound, 'no such document')
    }
  }

  /** Inserts a version with the checksum of its summary and body. */
  saveVersion(row: VersionRow): void {
    this.#db.transaction(() => {
      this.#mustExist(row.docId)
      const crc = checksumOf(row.summary, row.data)
      this.#stmt.insertVersion.run(
        row.versionId,
        row.docId,
        row.kind,
        row.name,
        row.createdAt,
        row.authors,
        row.summary,
        row.data,
        crc,
      )
    })()
  }

  /** Deletes versions by id; returns how many existed. */
  deleteVersions(docId: string, ids: readonly string[]): number {
    return this.#db.transaction(() => {
      let deleted = 0
      for (const id of ids) deleted += this.#stmt.deleteVersion.run(docId, id).changes
      return deleted
    })()
  }

  /** Moves a version to quarantine (its body and stored checksum); returns 1 if it existed. */
  quarantineVersion(docId: string, versionId: string, reason: string): number {
    return this.#db.transaction(() => {
      const row = this.#stmt.versionRow.get(docId, versionId)
      if (!row) return 0
      this.#stmt.insertQuarantine.run(docId, row.seq, row.data, row.crc, reason, Date.now())
      this.#stmt.deleteVersion.run(docId, versionId)
      return 1
    })()
  }

  /** Records client-id authors, overwriting existing entries only with `replace`. */
  saveAuthors(docId: string, authors: readonly ClientAuthor[], replace: boolean): void {
    const statement = replace ? this.#stmt.replaceAuthor : this.#stmt.addAuthor
    const now = Date.now()
    this.#db.transaction(() => {
      this.#mustExist(docId)
      for (const a of authors) statement.run(docId, a.clientId, a.name, a.color, a.role, now)
    })()
  }
}
