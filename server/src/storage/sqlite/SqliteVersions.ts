import type Database from 'better-sqlite3'
import type { Role } from '@tandem/shared'
import { checksumOf } from '../checksum.js'
import type {
  ClientAuthor,
  NewVersion,
  StoredVersion,
  StoreHooks,
  VersionMeta,
} from '../DocumentStore.js'
import { decodeAuthors, encodeAuthors, newVersionId } from '../versionRecords.js'
import type { WriterCall } from './writerMessages.js'

interface MetaRow {
  id: string
  kind: VersionMeta['kind']
  name: string | null
  created_at: number
  authors: string
}

interface FullRow extends MetaRow {
  summary: Buffer
  data: Buffer
  crc: number
}

const META = 'id, kind, name, created_at, authors'
const NEWEST_FIRST = 'ORDER BY created_at DESC, seq DESC'

/**
 * The SQLite store's version history: reads on the store's reading connection, writes through
 * its writer thread (`request`). Listing selects only the columns before the blobs, so SQLite
 * never reads a version's bytes to list it.
 */
export class SqliteVersions {
  readonly #stmt

  constructor(
    db: Database.Database,
    private readonly request: (request: WriterCall) => Promise<unknown>,
    private readonly hooks: StoreHooks,
  ) {
    this.#stmt = {
      list: db.prepare<[string], MetaRow>(
        `SELECT ${META} FROM versions WHERE doc_id = ? ${NEWEST_FIRST}`,
      ),
      byId: db.prepare<[string, string], FullRow>(
        `SELECT ${META}, summary, data, crc FROM versions WHERE doc_id = ? AND id = ?`,
      ),
      newest: db.prepare<[string], FullRow>(
        `SELECT ${META}, summary, data, crc FROM versions WHERE doc_id = ? ${NEWEST_FIRST} LIMIT 1`,
      ),
      authors: db.prepare<[string], { client_id: number; name: string; color: string; role: Role }>(
        'SELECT client_id, name, color, role FROM authors WHERE doc_id = ?',
      ),
    }
  }

  async save(docId: string, version: NewVersion): Promise<VersionMeta> {
    const versionId = newVersionId()
    const authors = encodeAuthors(version.authors)
    await this.request({
      op: 'saveVersion',
      docId,
      versionId,
      kind: version.kind,
      name: version.name,
      createdAt: version.createdAt,
      authors,
      summary: exact(version.summary),
      data: exact(version.data),
    })
    const { kind, name, createdAt } = version
    return { id: versionId, kind, name, createdAt, authors: decodeAuthors(authors) }
  }

  list(docId: string): VersionMeta[] {
    return this.#stmt.list.all(docId).map(metaOf)
  }

  get(docId: string, versionId: string): Promise<StoredVersion | undefined> {
    return this.#checked(docId, this.#stmt.byId.get(docId, versionId))
  }

  /** The newest version; one that fails its checksum is moved aside and the next one tried. */
  async latest(docId: string, readable: () => void): Promise<StoredVersion | undefined> {
    for (;;) {
      readable()
      const row = this.#stmt.newest.get(docId)
      if (!row) return undefined
      const version = await this.#checked(docId, row)
      if (version) return version
    }
  }

  async #checked(docId: string, row: FullRow | undefined): Promise<StoredVersion | undefined> {
    if (!row) return undefined
    if (checksumOf(row.summary, row.data) === row.crc) {
      return { ...metaOf(row), summary: toBytes(row.summary), data: toBytes(row.data) }
    }
    const moved = (await this.request({
      op: 'quarantineVersion',
      docId,
      versionId: row.id,
      reason: 'checksum mismatch',
    })) as number
    if (moved > 0) this.hooks.onQuarantine?.(moved)
    return undefined
  }

  async delete(docId: string, versionIds: readonly string[]): Promise<number> {
    return (await this.request({ op: 'deleteVersions', docId, ids: [...versionIds] })) as number
  }

  async saveAuthors(docId: string, authors: readonly ClientAuthor[], replace: boolean) {
    const plain = authors.map(({ clientId, name, color, role }) => ({
      clientId,
      name,
      color,
      role,
    }))
    await this.request({ op: 'saveAuthors', docId, authors: plain, replace })
  }

  authorsOf(docId: string): ClientAuthor[] {
    return this.#stmt.authors.all(docId).map((row) => ({
      clientId: row.client_id,
      name: row.name,
      color: row.color,
      role: row.role === 'view' ? 'view' : 'edit',
    }))
  }
}

function metaOf(row: MetaRow): VersionMeta {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    createdAt: row.created_at,
    authors: decodeAuthors(row.authors),
  }
}

/** Bytes that are all of their buffer: posting a view to the writer would copy its whole buffer. */
function exact(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes
    : bytes.slice()
}

function toBytes(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}
