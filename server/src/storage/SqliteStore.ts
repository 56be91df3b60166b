import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { Role } from '@tandem/shared'
import { checksum } from './checksum.js'
import {
  CommitError,
  type DocumentMeta,
  type DocumentStore,
  type LinkGrant,
  type LoadedDocument,
  type StoredUpdate,
} from './DocumentStore.js'
import { GroupCommitQueue, type PendingAppend, type StoreHooks } from './groupCommit.js'

/** Options for {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** Path of the database file; its directory is created if missing. */
  file: string
  /** How long a write waits for a lock held by another connection, in milliseconds. */
  busyTimeoutMs?: number
  hooks?: StoreHooks
}

/** Schema migrations; index i upgrades user_version i to i + 1. Never edit a released one. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    size_bytes INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE TABLE links (
    token TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('edit', 'view')),
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX links_by_doc ON links (doc_id);
  CREATE TABLE updates (
    doc_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    crc INTEGER NOT NULL,
    PRIMARY KEY (doc_id, seq)
  ) STRICT;
  CREATE TABLE snapshots (
    doc_id TEXT PRIMARY KEY,
    upto_seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    crc INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('update', 'snapshot')),
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    crc INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX quarantine_by_doc ON quarantine (doc_id);
  `,
]

interface UpdateRow {
  seq: number
  data: Buffer
  crc: number
}

/**
 * The default store: one SQLite file in WAL mode with synchronous=FULL, so an acknowledged edit
 * survives power loss. Appends are group-committed: one transaction per event-loop tick.
 */
export class SqliteStore implements DocumentStore {
  readonly #db: Database.Database
  readonly #queue: GroupCommitQueue
  readonly #hooks: StoreHooks
  readonly #stmt

  constructor(options: SqliteStoreOptions) {
    fs.mkdirSync(path.dirname(options.file), { recursive: true })
    this.#hooks = options.hooks ?? {}
    const db = new Database(options.file, { timeout: options.busyTimeoutMs ?? 5_000 })
    this.#db = db
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    migrate(db)
    this.#stmt = {
      insertDoc: db.prepare(
        'INSERT INTO documents (id, created_at, updated_at, size_bytes) VALUES (?, ?, ?, 0)',
      ),
      insertLink: db.prepare(
        'INSERT INTO links (token, doc_id, role, created_at) VALUES (?, ?, ?, ?)',
      ),
      resolveLink: db.prepare<[string], { doc_id: string; role: Role }>(
        'SELECT doc_id, role FROM links WHERE token = ?',
      ),
      linksOf: db.prepare<[string], { token: string; role: Role }>(
        'SELECT token, role FROM links WHERE doc_id = ? ORDER BY role, created_at',
      ),
      linksOfRole: db.prepare<[string, string], { token: string }>(
        'SELECT token FROM links WHERE doc_id = ? AND role = ?',
      ),
      deleteLinksOfRole: db.prepare('DELETE FROM links WHERE doc_id = ? AND role = ?'),
      meta: db.prepare<[string], { created_at: number; updated_at: number; size_bytes: number }>(
        'SELECT created_at, updated_at, size_bytes FROM documents WHERE id = ?',
      ),
      lastSeq: db.prepare<[string, string], { seq: number }>(
        `SELECT max(coalesce((SELECT max(seq) FROM updates WHERE doc_id = ?), 0),
                    coalesce((SELECT upto_seq FROM snapshots WHERE doc_id = ?), 0)) AS seq`,
      ),
      insertUpdate: db.prepare('INSERT INTO updates (doc_id, seq, data, crc) VALUES (?, ?, ?, ?)'),
      touchDoc: db.prepare(
        'UPDATE documents SET updated_at = ?, size_bytes = size_bytes + ? WHERE id = ?',
      ),
      snapshot: db.prepare<[string], { upto_seq: number; data: Buffer; crc: number }>(
        'SELECT upto_seq, data, crc FROM snapshots WHERE doc_id = ?',
      ),
      updatesAfter: db.prepare<[string, number], UpdateRow>(
        'SELECT seq, data, crc FROM updates WHERE doc_id = ? AND seq > ? ORDER BY seq',
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
      updateRow: db.prepare<[string, number], UpdateRow>(
        'SELECT seq, data, crc FROM updates WHERE doc_id = ? AND seq = ?',
      ),
      insertQuarantine: db.prepare(
        `INSERT INTO quarantine (doc_id, kind, seq, data, crc, reason, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      deleteUpdate: db.prepare('DELETE FROM updates WHERE doc_id = ? AND seq = ?'),
      deleteSnapshot: db.prepare('DELETE FROM snapshots WHERE doc_id = ?'),
      deleteDocUpdates: db.prepare('DELETE FROM updates WHERE doc_id = ?'),
      deleteLinks: db.prepare('DELETE FROM links WHERE doc_id = ?'),
      deleteDoc: db.prepare('DELETE FROM documents WHERE id = ?'),
      ping: db.prepare('SELECT 1'),
    }
    this.#queue = new GroupCommitQueue((batch) => this.#commit(batch), this.#hooks)
  }

  async createDocument(docId: string, links: readonly Omit<LinkGrant, 'docId'>[]): Promise<void> {
    const now = Date.now()
    this.#db.transaction(() => {
      this.#stmt.insertDoc.run(docId, now, now)
      for (const link of links) this.#stmt.insertLink.run(link.token, docId, link.role, now)
    })()
  }

  async resolveLink(token: string): Promise<LinkGrant | undefined> {
    const row = this.#stmt.resolveLink.get(token)
    return row ? { token, docId: row.doc_id, role: row.role } : undefined
  }

  async linksOf(docId: string): Promise<LinkGrant[]> {
    return this.#stmt.linksOf.all(docId).map((row) => ({ token: row.token, docId, role: row.role }))
  }

  async rotateLink(docId: string, role: Role, newToken: string): Promise<string[]> {
    return this.#db.transaction(() => {
      const old = this.#stmt.linksOfRole.all(docId, role).map((row) => row.token)
      this.#stmt.deleteLinksOfRole.run(docId, role)
      this.#stmt.insertLink.run(newToken, docId, role, Date.now())
      return old
    })()
  }

  async getMeta(docId: string): Promise<DocumentMeta | undefined> {
    const row = this.#stmt.meta.get(docId)
    return row
      ? { createdAt: row.created_at, updatedAt: row.updated_at, sizeBytes: row.size_bytes }
      : undefined
  }

  append(docId: string, update: Uint8Array): Promise<number> {
    return this.#queue.append(docId, update)
  }

  /** Writes one batch in a single transaction and assigns each append its seq. */
  #commit(batch: readonly PendingAppend[]): number[] {
    const now = Date.now()
    const seqs: number[] = []
    this.#db.transaction(() => {
      const last = new Map<string, number>()
      const added = new Map<string, number>()
      for (const item of batch) {
        let seq = last.get(item.docId)
        if (seq === undefined) seq = this.#stmt.lastSeq.get(item.docId, item.docId)?.seq ?? 0
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

  async load(docId: string): Promise<LoadedDocument> {
    await this.#queue.flush()
    let quarantined = 0
    const result: LoadedDocument = { updates: [], quarantined: 0 }
    const snap = this.#stmt.snapshot.get(docId)
    let after = 0
    if (snap) {
      after = snap.upto_seq
      if (checksum(snap.data) === snap.crc) {
        result.snapshot = { data: toBytes(snap.data), uptoSeq: snap.upto_seq }
      } else {
        this.#db.transaction(() => {
          this.#stmt.insertQuarantine.run(
            docId,
            'snapshot',
            snap.upto_seq,
            snap.data,
            snap.crc,
            'checksum mismatch',
            Date.now(),
          )
          this.#stmt.deleteSnapshot.run(docId)
        })()
        quarantined += 1
      }
    }
    const bad: UpdateRow[] = []
    for (const row of this.#stmt.updatesAfter.iterate(docId, after)) {
      if (checksum(row.data) === row.crc)
        result.updates.push({ seq: row.seq, data: toBytes(row.data) })
      else bad.push(row)
    }
    if (bad.length > 0) {
      this.#db.transaction(() => {
        for (const row of bad) this.#moveAside(docId, row, 'checksum mismatch')
      })()
      quarantined += bad.length
    }
    result.quarantined = quarantined
    if (quarantined > 0) this.#hooks.onQuarantine?.(quarantined)
    return result
  }

  async compact(docId: string, snapshot: Uint8Array, uptoSeq: number): Promise<void> {
    await this.#queue.flush()
    this.#db.transaction(() => {
      this.#stmt.upsertSnapshot.run(docId, uptoSeq, snapshot, checksum(snapshot), Date.now())
      this.#stmt.dropUpdatesUpTo.run(docId, uptoSeq)
      const log = this.#stmt.logBytes.get(docId)?.bytes ?? 0
      this.#stmt.setSize.run(snapshot.byteLength + log, docId)
    })()
  }

  async quarantine(docId: string, seq: number, reason: string): Promise<void> {
    await this.#queue.flush()
    const row = this.#stmt.updateRow.get(docId, seq)
    if (!row) return
    this.#db.transaction(() => this.#moveAside(docId, row, reason))()
    this.#hooks.onQuarantine?.(1)
  }

  #moveAside(docId: string, row: UpdateRow, reason: string): void {
    this.#stmt.insertQuarantine.run(docId, 'update', row.seq, row.data, row.crc, reason, Date.now())
    this.#stmt.deleteUpdate.run(docId, row.seq)
  }

  async delete(docId: string): Promise<void> {
    await this.#queue.flush()
    this.#db.transaction(() => {
      this.#stmt.deleteDocUpdates.run(docId)
      this.#stmt.deleteSnapshot.run(docId)
      this.#stmt.deleteLinks.run(docId)
      this.#stmt.deleteDoc.run(docId)
    })()
  }

  /** The connection's journal mode and synchronous level (for tests and diagnostics). */
  durabilitySettings(): { journalMode: string; synchronous: string } {
    const levels = ['off', 'normal', 'full', 'extra']
    return {
      journalMode: String(this.#db.pragma('journal_mode', { simple: true })),
      synchronous: levels[Number(this.#db.pragma('synchronous', { simple: true }))] ?? 'unknown',
    }
  }

  async ping(): Promise<void> {
    this.#stmt.ping.get()
  }

  async close(): Promise<void> {
    await this.#queue.flush()
    if (this.#db.open) this.#db.close()
  }
}

function toBytes(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version > MIGRATIONS.length) {
    throw new Error(
      `Database schema version ${version} is newer than this server understands (${MIGRATIONS.length}); upgrade Tandem`,
    )
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string)
      db.pragma(`user_version = ${v + 1}`)
    })()
  }
}

export { CommitError }
export type { StoredUpdate }
