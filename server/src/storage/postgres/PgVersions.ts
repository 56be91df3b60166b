import { DatabaseError } from 'pg'
import type { Role } from '@tandem/shared'
import type {
  ClientAuthor,
  NewVersion,
  StoredVersion,
  StoreHooks,
  VersionMeta,
} from '../DocumentStore.js'
import { checksumOf } from '../checksum.js'
import { StoreError, StoreErrorCode } from '../errors.js'
import { decodeAuthors, encodeAuthors, newVersionId } from '../versionRecords.js'
import type { PgDatabase } from './PgDatabase.js'
import * as sql from './queries.js'

/** The SQLSTATE of a foreign key violation: the document is gone. */
const FOREIGN_KEY_VIOLATION = '23503'

interface MetaRow {
  id: string
  kind: VersionMeta['kind']
  name: string | null
  created_at: Date
  authors: string
}

interface FullRow extends MetaRow {
  summary: Buffer
  data: Buffer
  crc: number
}

/**
 * The PostgreSQL store's version history: one statement per call (so one consistent read), the
 * document's rows cascading on delete. A version that fails its checksum is moved to quarantine
 * (only if still the one read) and reported as missing.
 */
export class PgVersions {
  constructor(
    private readonly db: PgDatabase,
    private readonly hooks: StoreHooks,
  ) {}

  async save(docId: string, version: NewVersion): Promise<VersionMeta> {
    const id = newVersionId()
    const authors = encodeAuthors(version.authors)
    const crc = checksumOf(version.summary, version.data) | 0
    await this.db
      .write('saving a version', sql.SAVE_VERSION_SQL, [
        id,
        docId,
        version.kind,
        version.name,
        new Date(version.createdAt),
        authors,
        version.summary,
        version.data,
        crc,
      ])
      .catch(documentGone)
    const { kind, name, createdAt } = version
    return { id, kind, name, createdAt, authors: decodeAuthors(authors) }
  }

  async list(docId: string): Promise<VersionMeta[]> {
    const rows = await this.db.query<MetaRow>('listing versions', sql.LIST_VERSIONS_SQL, [docId])
    return rows.map(metaOf)
  }

  async get(docId: string, versionId: string): Promise<StoredVersion | undefined> {
    const [row] = await this.db.query<FullRow>('reading a version', sql.GET_VERSION_SQL, [
      docId,
      versionId,
    ])
    return this.#checked(docId, row)
  }

  /** The newest version; one that fails its checksum is moved aside and the next one tried. */
  async latest(docId: string): Promise<StoredVersion | undefined> {
    for (;;) {
      const [row] = await this.db.query<FullRow>('reading a version', sql.LATEST_VERSION_SQL, [
        docId,
      ])
      if (!row) return undefined
      const version = await this.#checked(docId, row)
      if (version) return version
    }
  }

  async #checked(docId: string, row: FullRow | undefined): Promise<StoredVersion | undefined> {
    if (!row) return undefined
    const summary = toBytes(row.summary)
    const data = toBytes(row.data)
    if ((checksumOf(summary, data) | 0) === row.crc) return { ...metaOf(row), summary, data }
    const moved = await this.db.write('quarantining a version', sql.QUARANTINE_VERSION_SQL, [
      docId,
      row.id,
      row.crc,
      'checksum mismatch',
    ])
    if (moved.length > 0) this.hooks.onQuarantine?.(moved.length)
    return undefined
  }

  async delete(docId: string, versionIds: readonly string[]): Promise<number> {
    if (versionIds.length === 0) return 0
    const rows = await this.db.write('deleting versions', sql.DELETE_VERSIONS_SQL, [
      docId,
      [...versionIds],
    ])
    return rows.length
  }

  async saveAuthors(
    docId: string,
    authors: readonly ClientAuthor[],
    replace: boolean,
  ): Promise<void> {
    // One entry per client id (the last): a statement may not touch a row twice.
    const byId = new Map(authors.map((a) => [a.clientId, a]))
    if (byId.size === 0) return
    const list = [...byId.values()]
    await this.db
      .write('recording authors', replace ? sql.REPLACE_AUTHORS_SQL : sql.ADD_AUTHORS_SQL, [
        docId,
        list.map((a) => a.clientId),
        list.map((a) => a.name),
        list.map((a) => a.color),
        list.map((a) => a.role),
      ])
      .catch(documentGone)
  }

  async authorsOf(docId: string): Promise<ClientAuthor[]> {
    const rows = await this.db.query<{
      client_id: number
      name: string
      color: string
      role: string
    }>('reading authors', sql.AUTHORS_OF_SQL, [docId])
    return rows.map((row) => ({
      clientId: row.client_id,
      name: row.name,
      color: row.color,
      role: (row.role === 'view' ? 'view' : 'edit') as Role,
    }))
  }
}

/** A foreign key violation means the document does not exist (any more): `not-found`. */
function documentGone(err: unknown): never {
  if (err instanceof DatabaseError && err.code === FOREIGN_KEY_VIOLATION) {
    throw new StoreError(StoreErrorCode.notFound, 'no such document', { cause: err })
  }
  throw err
}

function metaOf(row: MetaRow): VersionMeta {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    createdAt: row.created_at.getTime(),
    authors: decodeAuthors(row.authors),
  }
}

function toBytes(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}
