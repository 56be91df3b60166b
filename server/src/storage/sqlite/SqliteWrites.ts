import type Database from 'better-sqlite3'
import type { Role } from '@tandem/shared'
import { checksum } from '../checksum.js'
import { HEAD_SEQ_SQL } from './queries.js'
import { StoreError, StoreErrorCode } from '../errors.js'
import type { SqliteSearchWrites } from './SqliteSearchWrites.js'

/** One append of a batch. */
export interface AppendItem {
  docId: string
  data: Uint8Array
}

/** The write operations, each one transaction; run on the writer connection only. */
export class SqliteWrites {
  readonly #db: Database.Database
  readonly #search: SqliteSearchWrites
  readonly #stmt

  /** `search` adds and removes a document's search row, inside creating and deleting it. */
  constructor(db: Database.Database, search: SqliteSearchWrites) {
    this.#db = db
    this.#search = search
    this.#stmt = {
      insertDoc: db.prepare(
        'INSERT INTO documents (id, created_at, updated_at, size_bytes) VALUES (?, ?, ?, 0)',
      ),
      insertLink: db.prepare(
        'INSERT INTO links (token, doc_id, role, created_at) VALUES (?, ?, ?, ?)',
      ),
      linksOfRole: db.prepare<[string, string], { token: string }>(
        'SELECT token FROM links WHERE doc_id = ? AND role = ?',
      ),
      docExists: db.prepare<[string], { one: number }>(
        'SELECT 1 AS one FROM documents WHERE id = ?',
      ),
      deleteLinksOfRole: db.prepare('DELETE FROM links WHERE doc_id = ? AND role = ?'),
      lastSeq: db.prepare<[{ docId: string }], { seq: number }>(HEAD_SEQ_SQL),
      insertUpdate: db.prepare('INSERT INTO updates (doc_id, seq, data, crc) VALUES (?, ?, ?, ?)'),
      touchDoc: db.prepare(
        'UPDATE documents SET updated_at = ?, size_bytes = size_bytes + ? WHERE id = ?',
      ),
      upsertSnapshot: db.prepare(
        `INSERT INTO snapshots (doc_id, upto_seq, data, crc, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (doc_id) DO UPDATE SET upto_seq = excluded.upto_seq, data = excluded.data,
           crc = excluded.crc, created_at = excluded.created_at`,
      ),
      dropUpdatesUpTo: db.prepare('DELETE FROM updates WHERE doc_id = ? AND seq <= ?'),
      logBytes: db.prepare<[string], { bytes: number }>(
        'SELECT coalesce(sum(length(data)), 0) AS bytes FROM updates WHERE doc_id = ?',
      ),
      setSize: db.prepare('UPDATE documents SET size_bytes = ? WHERE id = ?'),
      updateRow: db.prepare<[string, number], { seq: number; data: Buffer; crc: number }>(
        'SELECT seq, data, crc FROM updates WHERE doc_id = ? AND seq = ?',
      ),
      snapshotRow: db.prepare<[string], { upto_seq: number; data: Buffer; crc: number }>(
        'SELECT upto_seq, data, crc FROM snapshots WHERE doc_id = ?',
      ),
      insertQuarantine: db.prepare(
        `INSERT INTO quarantine (doc_id, kind, seq, data, crc, reason, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      deleteUpdate: db.prepare('DELETE FROM updates WHERE doc_id = ? AND seq = ?'),
      deleteSnapshot: db.prepare('DELETE FROM snapshots WHERE doc_id = ?'),
      deleteDocUpdates: db.prepare('DELETE FROM updates WHERE doc_id = ?'),
      deleteLinks: db.prepare('DELETE FROM links WHERE doc_id = ?'),
      deleteVersions: db.prepare('DELETE FROM versions WHERE doc_id = ?'),
      deleteAuthors: db.prepare('DELETE FROM authors WHERE doc_id = ?'),
      deleteDoc: db.prepare('DELETE FROM documents WHERE id = ?'),
      probe: db.prepare(
        `INSERT INTO health (id, probed_at, reserve) VALUES (1, ?, zeroblob(?))
         ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at, reserve = excluded.reserve`,
      ),
    }
  }

  /**
   * Rewrites the health row with `bytes` of filler in one transaction (one fsync): succeeds only
   * if the disk takes a commit of about that size. (A one-page write would fit in the space a
   * larger failed commit already claimed at the end of the WAL, and prove nothing.)
   */
  probe(bytes: number): void {
    this.#db.transaction(() => this.#stmt.probe.run(Date.now(), bytes))()
  }

  createDocument(docId: string, links: readonly { token: string; role: Role }[]): void {
    const now = Date.now()
    this.#db.transaction(() => {
      this.#stmt.insertDoc.run(docId, now, now)
      for (const link of links) this.#stmt.insertLink.run(link.token, docId, link.role, now)
      this.#search.addEmpty(docId)
    })()
  }

  rotateLink(docId: string, role: Role, newToken: string): string[] {
    return this.#db.transaction(() => {
      if (!this.#stmt.docExists.get(docId)) {
        throw new StoreError(StoreErrorCode.notFound, 'no such document')
      }
      const old = this.#stmt.linksOfRole.all(docId, role).map((row) => row.token)
      this.#stmt.deleteLinksOfRole.run(docId, role)
      this.#stmt.insertLink.run(newToken, docId, role, Date.now())
      return old
    })()
  }

  /** Writes a batch in one transaction (one fsync) and returns each append's seq. */
  append(batch: readonly AppendItem[]): number[] {
    const now = Date.now()
    const seqs: number[] = []
    this.#db.transaction(() => {
      const last = new Map<string, number>()
      const added = new Map<string, number>()
      for (const item of batch) {
        let seq = last.get(item.docId)
        if (seq === undefined) seq = this.#stmt.lastSeq.get({ docId: item.docId })?.seq ?? 0
        seq += 1
        last.set(item.docId, seq)
        this.#stmt.insertUpdate.run(item.docId, seq, item.data, checksum(item.data))
        added.set(item.docId, (added.get(item.docId) ?? 0) + item.data.byteLength)
        seqs.push(seq)
      }
      for (const [docId, bytes] of added) this.#stmt.touchDoc.run(now, bytes, docId)
    })()
    return seqs
  }

  /** A no-op unless `uptoSeq` moves past the stored snapshot's: a stale compactor changes nothing. */
  compact(docId: string, snapshot: Uint8Array, uptoSeq: number): void {
    this.#db.transaction(() => {
      const current = this.#stmt.snapshotRow.get(docId)
      if (current && current.upto_seq >= uptoSeq) return
      this.#stmt.upsertSnapshot.run(docId, uptoSeq, snapshot, checksum(snapshot), Date.now())
      this.#stmt.dropUpdatesUpTo.run(docId, uptoSeq)
      const log = this.#stmt.logBytes.get(docId)?.bytes ?? 0
      this.#stmt.setSize.run(snapshot.byteLength + log, docId)
    })()
  }

  /** Moves log records aside; returns how many existed. */
  quarantineUpdates(docId: string, seqs: readonly number[], reason: string): number {
    return this.#db.transaction(() => {
      let moved = 0
      for (const seq of seqs) {
        const row = this.#stmt.updateRow.get(docId, seq)
        if (!row) continue
        this.#stmt.insertQuarantine.run(docId, 'update', seq, row.data, row.crc, reason, Date.now())
        this.#stmt.deleteUpdate.run(docId, seq)
        moved++
      }
      return moved
    })()
  }

  /** Moves the snapshot aside; returns 1 if there was one. */
  quarantineSnapshot(docId: string, reason: string): number {
    return this.#db.transaction(() => {
      const row = this.#stmt.snapshotRow.get(docId)
      if (!row) return 0
      this.#stmt.insertQuarantine.run(
        docId,
        'snapshot',
        row.upto_seq,
        row.data,
        row.crc,
        reason,
        Date.now(),
      )
      this.#stmt.deleteSnapshot.run(docId)
      return 1
    })()
  }

  delete(docId: string): void {
    this.#db.transaction(() => {
      this.#stmt.deleteDocUpdates.run(docId)
      this.#stmt.deleteSnapshot.run(docId)
      this.#stmt.deleteLinks.run(docId)
      this.#stmt.deleteVersions.run(docId)
      this.#stmt.deleteAuthors.run(docId)
      this.#search.remove(docId)
      this.#stmt.deleteDoc.run(docId)
    })()
  }
}
