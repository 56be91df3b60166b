import type { Role } from '@tandem/shared'
import type {
  ClientAuthor,
  DocumentMeta,
  DocumentStore,
  IndexEntry,
  LinkGrant,
  LoadedDocument,
  NewVersion,
  SearchHit,
  StoredUpdate,
  StoredVersion,
  StoreHooks,
  VersionMeta,
} from '../DocumentStore.js'
import { StoreError, StoreErrorCode, isStoreError } from '../errors.js'
import { GroupCommitQueue } from '../groupCommit.js'
import { AppendCommitter } from './AppendCommitter.js'
import { signedCrc } from './appendSql.js'
import type { PgTimeouts } from './connection.js'
import { PgDatabase, closedError } from './PgDatabase.js'
import { PgSearch } from './PgSearch.js'
import { PgVersions } from './PgVersions.js'
import * as sql from './queries.js'

/** Options for {@link PostgresStore}. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database?…` */
  url: string
  hooks?: StoreHooks
  /** Pool size and timeouts; the defaults notice a dead database within about 2 s. */
  timeouts?: Partial<PgTimeouts>
}

/** How long {@link PostgresStore.ping} waits for an answer, in milliseconds. */
const PING_TIMEOUT_MS = 1_500

/** A row of {@link sql.READ_SINCE_SQL}: snapshot (0), log record (1) or head (2). */
interface ReadRow {
  kind: 0 | 1 | 2
  seq: number
  data: Buffer | null
  crc: number | null
}

/**
 * The store for several instances: PostgreSQL holds the truth (see SCALE-OUT.md). Appends are
 * group-committed — one batch per event-loop tick, and batches that queue behind a running commit
 * merge into the next (AppendCommitter.ts) — each commit ONE statement in its own transaction
 * (appendSql.ts), with `synchronous_commit` on, so a resolved append survives a crash of the
 * database. Reads are one statement each, so one consistent snapshot. Writes that touch several
 * tables of a document lock its `documents` row first (queries.ts). The schema is migrated when
 * the store is made: every call waits for that, and `ping` fails until it is done.
 */
export class PostgresStore implements DocumentStore {
  readonly #db: PgDatabase
  readonly #hooks: StoreHooks
  readonly #queue: GroupCommitQueue
  readonly #versions: PgVersions
  readonly #search: PgSearch
  #closed: Promise<void> | undefined

  constructor(options: PostgresStoreOptions) {
    this.#hooks = options.hooks ?? {}
    this.#db = new PgDatabase(options.url, options.timeouts)
    const committer = new AppendCommitter(this.#db)
    this.#queue = new GroupCommitQueue((batch) => committer.commit(batch), this.#hooks)
    this.#versions = new PgVersions(this.#db, this.#hooks)
    this.#search = new PgSearch(this.#db)
  }

  /** Opens a store on `url` once its schema is migrated; rejects (`unavailable`) if it cannot be. */
  static async open(
    url: string,
    hooks: StoreHooks = {},
    timeouts: Partial<PgTimeouts> = {},
  ): Promise<PostgresStore> {
    const store = new PostgresStore({ url, hooks, timeouts })
    try {
      await store.ready()
    } catch (err) {
      await store.close().catch(() => {})
      throw err
    }
    return store
  }

  /**
   * Resolves once the schema is migrated (started by the constructor). Rejects with
   * `unavailable` while the database cannot be reached or has a newer schema (a later call tries
   * again), `closed` after close.
   */
  async ready(): Promise<void> {
    if (this.#db.refusing) throw closedError()
    await this.#db.migrated()
  }

  async createDocument(docId: string, links: readonly Omit<LinkGrant, 'docId'>[]): Promise<void> {
    await this.#db.write('creating a document', sql.CREATE_DOCUMENT_SQL, [
      docId,
      links.map((l) => l.token),
      links.map((l) => l.role),
    ])
  }

  async resolveLink(token: string): Promise<LinkGrant | undefined> {
    const [row] = await this.#db.query<{ doc_id: string; role: string }>(
      'resolving a link',
      sql.RESOLVE_LINK_SQL,
      [token],
    )
    return row ? { token, docId: row.doc_id, role: asRole(row.role) } : undefined
  }

  async linksOf(docId: string): Promise<LinkGrant[]> {
    const rows = await this.#db.query<{ token: string; role: string }>(
      'listing links',
      sql.LINKS_OF_SQL,
      [docId],
    )
    return rows.map((row) => ({ token: row.token, docId, role: asRole(row.role) }))
  }

  async rotateLink(docId: string, role: Role, newToken: string): Promise<string[]> {
    // The document's row lock serialises rotations of one document: two at once would otherwise
    // each delete the old token and both insert theirs.
    return this.#db.transaction('rotating a link', async (client) => {
      const { rowCount } = await client.query(sql.LOCK_DOCUMENT_SQL, [docId])
      if (!rowCount) throw new StoreError(StoreErrorCode.notFound, 'no such document')
      const { rows } = await client.query<{ token: string }>(sql.DROP_LINKS_OF_ROLE_SQL, [
        docId,
        role,
      ])
      await client.query(sql.INSERT_LINK_SQL, [newToken, docId, role])
      return rows.map((row) => row.token)
    })
  }

  async getMeta(docId: string): Promise<DocumentMeta | undefined> {
    const [row] = await this.#db.query<{ created_at: Date; updated_at: Date; size_bytes: number }>(
      'reading metadata',
      sql.META_SQL,
      [docId],
    )
    return row
      ? {
          createdAt: row.created_at.getTime(),
          updatedAt: row.updated_at.getTime(),
          sizeBytes: row.size_bytes,
        }
      : undefined
  }

  /**
   * Resolves with the seq once committed. Rejects with `commit-failed` if the commit failed or
   * its outcome is unknown (the connection died during it: never acknowledged, the writer
   * resends, and a Yjs update applied twice changes nothing), `unavailable` if the database could
   * not be reached (nothing was sent), `closed` after close.
   */
  append(docId: string, update: Uint8Array): Promise<number> {
    if (this.#db.refusing) return Promise.reject(closedError())
    return this.#queue.append(docId, update)
  }

  load(docId: string): Promise<LoadedDocument> {
    return this.readSince(docId, 0)
  }

  async readSince(docId: string, afterSeq: number): Promise<LoadedDocument> {
    await this.#flushOwnAppends()
    const rows = await this.#db.query<ReadRow>('loading a document', sql.READ_SINCE_SQL, [
      docId,
      afterSeq,
    ])
    const result: LoadedDocument = { updates: [], head: 0, quarantined: 0 }
    const bad: { seq: number; crc: number }[] = []
    let badSnapshot: { uptoSeq: number; crc: number } | undefined
    for (const row of rows) {
      if (row.kind === 2) {
        result.head = row.seq
        continue
      }
      const data = toBytes(row.data as Buffer)
      const crc = row.crc as number
      const intact = signedCrc(data) === crc
      if (row.kind === 0) {
        if (intact) result.snapshot = { data, uptoSeq: row.seq }
        else badSnapshot = { uptoSeq: row.seq, crc }
      } else if (intact) {
        result.updates.push({ seq: row.seq, data })
      } else {
        bad.push({ seq: row.seq, crc })
      }
    }
    result.updates.sort(bySeq)
    // Records that fail their checksum are moved aside (only if still the record that was read)
    // and counted; the rest of the document loads. If moving them fails, so does the read.
    try {
      if (badSnapshot) {
        result.quarantined += await this.#moveSnapshot(docId, 'checksum mismatch', badSnapshot)
      }
      if (bad.length > 0) {
        result.quarantined += await this.#moveUpdates(docId, bad, 'checksum mismatch')
      }
    } catch (err) {
      if (!isStoreError(err, StoreErrorCode.commitFailed)) throw err
      throw new StoreError(StoreErrorCode.unavailable, `loading ${docId}: ${err.message}`, {
        cause: err,
      })
    }
    if (result.quarantined > 0) this.#hooks.onQuarantine?.(result.quarantined)
    return result
  }

  async heads(docIds: readonly string[]): Promise<Map<string, number>> {
    await this.#flushOwnAppends()
    const heads = new Map<string, number>()
    if (docIds.length === 0) return heads
    const rows = await this.#db.query<{ id: string; head_seq: number }>(
      'reading heads',
      sql.HEADS_SQL,
      [docIds],
    )
    for (const row of rows) heads.set(row.id, row.head_seq)
    return heads
  }

  async compact(docId: string, snapshot: Uint8Array, uptoSeq: number): Promise<void> {
    // Appends still queued here get seqs above uptoSeq; commit them first, as the other stores do.
    await this.#flushOwnAppends()
    // Losing a compaction to a crash is harmless (the log it covered is still there), so its
    // commit does not wait for the disk.
    await this.#db.transaction(
      'compacting',
      async (client) => {
        // Another instance compacting this document right now: leave it to that one.
        const lock = await client.query<{ got: boolean }>(sql.TRY_COMPACTION_LOCK_SQL, [
          sql.COMPACTION_LOCK_CLASS,
          docId,
        ])
        if (!lock.rows[0]?.got) return
        const { rows } = await client.query<{ head_seq: number; upto_seq: number | null }>(
          sql.LOCK_FOR_COMPACTION_SQL,
          [docId],
        )
        const current = rows[0]
        // No document (deleted meanwhile), or a stale compactor: nothing changes.
        if (!current || (current.upto_seq !== null && current.upto_seq >= uptoSeq)) return
        await client.query(sql.COMPACT_SQL, [docId, uptoSeq, snapshot, signedCrc(snapshot)])
      },
      'BEGIN; SET LOCAL synchronous_commit = off',
    )
  }

  async quarantine(docId: string, seq: number, reason: string): Promise<void> {
    await this.#flushOwnAppends()
    const moved = await this.#moveUpdates(docId, [{ seq, crc: null }], reason)
    if (moved > 0) this.#hooks.onQuarantine?.(moved)
  }

  async quarantineSnapshot(docId: string, reason: string): Promise<void> {
    const moved = await this.#moveSnapshot(docId, reason)
    if (moved > 0) this.#hooks.onQuarantine?.(moved)
  }

  /** Moves log records to quarantine (each only if its checksum is still `crc`, when given). */
  async #moveUpdates(
    docId: string,
    records: readonly { seq: number; crc: number | null }[],
    reason: string,
  ): Promise<number> {
    const rows = await this.#db.write('quarantining records', sql.QUARANTINE_UPDATES_SQL, [
      docId,
      records.map((r) => r.seq),
      records.map((r) => r.crc),
      reason,
    ])
    return rows.length
  }

  /** Moves the snapshot to quarantine (only the one read, when `expected` is given). */
  async #moveSnapshot(
    docId: string,
    reason: string,
    expected?: { uptoSeq: number; crc: number },
  ): Promise<number> {
    const rows = await this.#db.write('quarantining a snapshot', sql.QUARANTINE_SNAPSHOT_SQL, [
      docId,
      expected?.uptoSeq ?? null,
      expected?.crc ?? null,
      reason,
    ])
    return rows.length
  }

  async delete(docId: string): Promise<void> {
    await this.#flushOwnAppends()
    await this.#db.transaction('deleting a document', async (client) => {
      await client.query(sql.LOCK_FOR_DELETE_SQL, [docId])
      await client.query(sql.DELETE_DOCUMENT_SQL, [docId])
    })
  }

  saveVersion(docId: string, version: NewVersion): Promise<VersionMeta> {
    return this.#versions.save(docId, version)
  }

  listVersions(docId: string): Promise<VersionMeta[]> {
    return this.#versions.list(docId)
  }

  getVersion(docId: string, versionId: string): Promise<StoredVersion | undefined> {
    return this.#versions.get(docId, versionId)
  }

  latestVersion(docId: string): Promise<StoredVersion | undefined> {
    return this.#versions.latest(docId)
  }

  deleteVersions(docId: string, versionIds: readonly string[]): Promise<number> {
    return this.#versions.delete(docId, versionIds)
  }

  saveAuthors(docId: string, authors: readonly ClientAuthor[], o: { replace: boolean }) {
    return this.#versions.saveAuthors(docId, authors, o.replace)
  }

  authorsOf(docId: string): Promise<ClientAuthor[]> {
    return this.#versions.authorsOf(docId)
  }

  resolveLinks(tokens: readonly string[]): Promise<LinkGrant[]> {
    return this.#search.resolveLinks(tokens)
  }

  indexText(entries: readonly IndexEntry[]): Promise<void> {
    return this.#search.indexText(entries)
  }

  search(docIds: readonly string[], terms: readonly string[], limit: number): Promise<SearchHit[]> {
    return this.#search.search(docIds, terms, limit)
  }

  unindexed(limit: number): Promise<string[]> {
    return this.#search.unindexed(limit)
  }

  /**
   * Resolves when the schema is migrated and the database answers `SELECT 1`, within 1.5 s;
   * rejects with `unavailable` otherwise (or `closed`).
   */
  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const message = `database did not answer within ${PING_TIMEOUT_MS} ms`
        reject(new StoreError(StoreErrorCode.unavailable, message))
      }, PING_TIMEOUT_MS)
    })
    try {
      await Promise.race([this.#db.query('ping', 'SELECT 1', []), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** The settings that make an acknowledged append durable, as the store's connections see them. */
  async durabilitySettings(): Promise<{ synchronousCommit: string; fsync: string }> {
    const [row] = await this.#db.query<{ synchronous_commit: string; fsync: string }>(
      'reading settings',
      `SELECT current_setting('synchronous_commit') AS synchronous_commit,
              current_setting('fsync') AS fsync`,
      [],
    )
    return { synchronousCommit: row?.synchronous_commit ?? '', fsync: row?.fsync ?? '' }
  }

  /** Refuses new work, commits what was appended before the call, then closes every connection. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#db.refuse()
      this.#closed = this.#queue.flush().then(() => this.#db.end())
    }
    return this.#closed
  }

  /** Reads see this instance's own appends: the ones queued here commit first. */
  async #flushOwnAppends(): Promise<void> {
    if (this.#db.refusing) throw closedError()
    await this.#queue.flush()
  }
}

function asRole(role: string): Role {
  return role === 'view' ? 'view' : 'edit'
}

function bySeq(a: StoredUpdate, b: StoredUpdate): number {
  return a.seq - b.seq
}

function toBytes(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}
