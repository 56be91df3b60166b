import type Database from 'better-sqlite3'
import type { Role } from '@tandem/shared'
import { checksum } from '../checksum.js'
import { HEAD_SEQ_SQL } from './queries.js'
import type {
  ClientAuthor,
  DocumentMeta,
  DocumentStore,
  IndexEntry,
  LinkGrant,
  LoadedDocument,
  NewVersion,
  SearchHit,
  StoredVersion,
  StoreHooks,
  VersionMeta,
} from '../DocumentStore.js'
import { StoreError, StoreErrorCode } from '../errors.js'
import { GroupCommitQueue } from '../groupCommit.js'
import { openVerifiedDatabase } from './integrity.js'
import { packAppends } from './packAppends.js'
import { SqliteSearch } from './SqliteSearch.js'
import { SqliteVersions } from './SqliteVersions.js'
import { SqliteWriter } from './SqliteWriter.js'

/** Options for {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** Path of the database file; its directory is created if missing. */
  file: string
  /** How long a write waits for a lock held by another connection, in milliseconds. */
  busyTimeoutMs?: number
  hooks?: StoreHooks
}

interface UpdateRow {
  seq: number
  data: Buffer
  crc: number
}

/**
 * Bytes the readiness probe commits after a failed commit (see {@link SqliteStore.ping}): more than
 * a typical batch of edits, so a probe that succeeds means ordinary commits fit again.
 */
const PROBE_BYTES = 64 * 1024

/**
 * The default store: one SQLite file in WAL mode with synchronous=FULL, so an acknowledged edit
 * survives power loss. Writes go to a worker thread that owns the write connection
 * (SqliteWriter.ts), group-committed (one transaction per batch); reads use a connection on the
 * calling thread, which WAL lets run alongside the writer.
 */
export class SqliteStore implements DocumentStore {
  readonly #db: Database.Database
  readonly #queue: GroupCommitQueue
  readonly #hooks: StoreHooks
  readonly #stmt
  readonly #versions: SqliteVersions
  readonly #search: SqliteSearch
  readonly #writer: SqliteWriter
  #closed = false
  /** The readiness probe in flight, shared by concurrent pings. */
  #probe: Promise<void> | undefined

  /**
   * Opens (creating if missing) and migrates the file; throws a DamagedDatabaseError for a damaged
   * one (its WAL cut short, or pages PRAGMA quick_check rejects), serving none of it, and a
   * DiskFullError when there is no room to open it (integrity.ts).
   */
  constructor(options: SqliteStoreOptions) {
    this.#hooks = options.hooks ?? {}
    const db = openVerifiedDatabase(options.file, options.busyTimeoutMs ?? 5_000)
    this.#db = db
    this.#stmt = {
      resolveLink: db.prepare<[string], { doc_id: string; role: Role }>(
        'SELECT doc_id, role FROM links WHERE token = ?',
      ),
      linksOf: db.prepare<[string], { token: string; role: Role }>(
        'SELECT token, role FROM links WHERE doc_id = ? ORDER BY role, created_at',
      ),
      meta: db.prepare<[string], { created_at: number; updated_at: number; size_bytes: number }>(
        'SELECT created_at, updated_at, size_bytes FROM documents WHERE id = ?',
      ),
      snapshot: db.prepare<[string], { upto_seq: number; data: Buffer; crc: number }>(
        'SELECT upto_seq, data, crc FROM snapshots WHERE doc_id = ?',
      ),
      updatesAfter: db.prepare<[string, number], UpdateRow>(
        'SELECT seq, data, crc FROM updates WHERE doc_id = ? AND seq > ? ORDER BY seq',
      ),
      head: db.prepare<[{ docId: string }], { seq: number }>(HEAD_SEQ_SQL),
      exists: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM documents WHERE id = ?'),
      ping: db.prepare('SELECT 1'),
    }
    this.#writer = new SqliteWriter(options.file, options.busyTimeoutMs ?? 5_000)
    this.#versions = new SqliteVersions(db, (request) => this.#writer.request(request), this.#hooks)
    this.#search = new SqliteSearch(db, (request) => this.#writer.request(request))
    this.#queue = new GroupCommitQueue((batch) => {
      const { request, buffer } = packAppends(batch)
      return this.#writer.request(request, [buffer]) as Promise<number[]>
    }, this.#hooks)
  }

  /** Reads run on this thread's connection, which is gone once the store closed. */
  #readable(): void {
    if (this.#closed) throw new StoreError(StoreErrorCode.closed, 'store is closed')
  }

  async createDocument(docId: string, links: readonly Omit<LinkGrant, 'docId'>[]): Promise<void> {
    await this.#writer.request({
      op: 'createDocument',
      docId,
      links: links.map((l) => ({ token: l.token, role: l.role })),
    })
  }

  async resolveLink(token: string): Promise<LinkGrant | undefined> {
    this.#readable()
    const row = this.#stmt.resolveLink.get(token)
    // The role as a shared constant, not a string per connection that holds it.
    return row
      ? { token, docId: row.doc_id, role: row.role === 'view' ? 'view' : 'edit' }
      : undefined
  }

  async linksOf(docId: string): Promise<LinkGrant[]> {
    this.#readable()
    return this.#stmt.linksOf.all(docId).map((row) => ({ token: row.token, docId, role: row.role }))
  }

  async rotateLink(docId: string, role: Role, newToken: string): Promise<string[]> {
    return (await this.#writer.request({
      op: 'rotateLink',
      docId,
      role,
      token: newToken,
    })) as string[]
  }

  async getMeta(docId: string): Promise<DocumentMeta | undefined> {
    this.#readable()
    const row = this.#stmt.meta.get(docId)
    return row
      ? { createdAt: row.created_at, updatedAt: row.updated_at, sizeBytes: row.size_bytes }
      : undefined
  }

  append(docId: string, update: Uint8Array): Promise<number> {
    return this.#queue.append(docId, update)
  }

  load(docId: string): Promise<LoadedDocument> {
    return this.readSince(docId, 0)
  }

  async readSince(docId: string, afterSeq: number): Promise<LoadedDocument> {
    await this.#queue.flush()
    this.#readable()
    let quarantined = 0
    const result: LoadedDocument = { updates: [], head: 0, quarantined: 0 }
    const bad: number[] = []
    let badSnapshot = false
    // One read transaction: the snapshot, the log and the head from the same state of the file.
    this.#db.transaction(() => {
      const snap = this.#stmt.snapshot.get(docId)
      let after = afterSeq
      if (snap && snap.upto_seq > afterSeq) {
        after = snap.upto_seq
        if (checksum(snap.data) === snap.crc) {
          result.snapshot = { data: toBytes(snap.data), uptoSeq: snap.upto_seq }
        } else {
          badSnapshot = true
        }
      }
      for (const row of this.#stmt.updatesAfter.iterate(docId, after)) {
        if (checksum(row.data) === row.crc) {
          result.updates.push({ seq: row.seq, data: toBytes(row.data) })
        } else {
          bad.push(row.seq)
        }
      }
      result.head = this.#stmt.head.get({ docId })?.seq ?? 0
    })()
    if (badSnapshot) {
      quarantined += (await this.#writer.request({
        op: 'quarantineSnapshot',
        docId,
        reason: 'checksum mismatch',
      })) as number
    }
    if (bad.length > 0) {
      quarantined += (await this.#writer.request({
        op: 'quarantineUpdates',
        docId,
        seqs: bad,
        reason: 'checksum mismatch',
      })) as number
    }
    result.quarantined = quarantined
    if (quarantined > 0) this.#hooks.onQuarantine?.(quarantined)
    return result
  }

  async heads(docIds: readonly string[]): Promise<Map<string, number>> {
    await this.#queue.flush()
    this.#readable()
    const heads = new Map<string, number>()
    this.#db.transaction(() => {
      for (const docId of docIds) {
        if (!this.#stmt.exists.get(docId)) continue
        heads.set(docId, this.#stmt.head.get({ docId })?.seq ?? 0)
      }
    })()
    return heads
  }

  async compact(docId: string, snapshot: Uint8Array, uptoSeq: number): Promise<void> {
    // Appends still queued get seqs above uptoSeq: the writer handles requests in order.
    await this.#writer.request({ op: 'compact', docId, snapshot, uptoSeq })
  }

  async quarantine(docId: string, seq: number, reason: string): Promise<void> {
    await this.#queue.flush()
    const moved = (await this.#writer.request({
      op: 'quarantineUpdates',
      docId,
      seqs: [seq],
      reason,
    })) as number
    if (moved > 0) this.#hooks.onQuarantine?.(moved)
  }

  async quarantineSnapshot(docId: string, reason: string): Promise<void> {
    const moved = (await this.#writer.request({
      op: 'quarantineSnapshot',
      docId,
      reason,
    })) as number
    if (moved > 0) this.#hooks.onQuarantine?.(moved)
  }

  async delete(docId: string): Promise<void> {
    await this.#queue.flush()
    await this.#writer.request({ op: 'delete', docId })
  }

  saveVersion(docId: string, version: NewVersion): Promise<VersionMeta> {
    return this.#versions.save(docId, version)
  }

  async listVersions(docId: string): Promise<VersionMeta[]> {
    this.#readable()
    return this.#versions.list(docId)
  }

  async getVersion(docId: string, versionId: string): Promise<StoredVersion | undefined> {
    this.#readable()
    return this.#versions.get(docId, versionId)
  }

  latestVersion(docId: string): Promise<StoredVersion | undefined> {
    return this.#versions.latest(docId, () => this.#readable())
  }

  deleteVersions(docId: string, versionIds: readonly string[]): Promise<number> {
    return this.#versions.delete(docId, versionIds)
  }

  saveAuthors(docId: string, authors: readonly ClientAuthor[], o: { replace: boolean }) {
    return this.#versions.saveAuthors(docId, authors, o.replace)
  }

  async authorsOf(docId: string): Promise<ClientAuthor[]> {
    this.#readable()
    return this.#versions.authorsOf(docId)
  }

  async resolveLinks(tokens: readonly string[]): Promise<LinkGrant[]> {
    this.#readable()
    return this.#search.resolveLinks(tokens)
  }

  indexText(entries: readonly IndexEntry[]): Promise<void> {
    return this.#search.indexText(entries)
  }

  async search(
    docIds: readonly string[],
    terms: readonly string[],
    limit: number,
  ): Promise<SearchHit[]> {
    this.#readable()
    return this.#search.search(docIds, terms, limit)
  }

  async unindexed(limit: number): Promise<string[]> {
    this.#readable()
    return this.#search.unindexed(limit)
  }

  /** The reading connection's journal mode and synchronous level (the writer sets the same). */
  durabilitySettings(): { journalMode: string; synchronous: string } {
    const levels = ['off', 'normal', 'full', 'extra']
    return {
      journalMode: String(this.#db.pragma('journal_mode', { simple: true })),
      synchronous: levels[Number(this.#db.pragma('synchronous', { simple: true }))] ?? 'unknown',
    }
  }

  /**
   * Resolves while the store can commit. Normally one cheap read; before the first write and after
   * a failed one (a full disk is invisible to reads) it rejects until a probe write of
   * {@link PROBE_BYTES} through the writer commits, or an append does.
   */
  async ping(): Promise<void> {
    this.#readable()
    if (!this.#writer.writesFailing) {
      this.#stmt.ping.get()
      return
    }
    this.#probe ??= this.#writer.request({ op: 'probe', bytes: PROBE_BYTES }).then(
      () => {
        this.#probe = undefined
      },
      (error: unknown) => {
        this.#probe = undefined
        throw error
      },
    )
    await this.#probe
  }

  async close(): Promise<void> {
    if (this.#closed) return
    await this.#queue.flush()
    await this.#writer.close()
    this.#closed = true
    if (this.#db.open) this.#db.close()
  }
}

function toBytes(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}
