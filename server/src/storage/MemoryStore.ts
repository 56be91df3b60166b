import { localScore, type DocumentText, type Role } from '@tandem/shared'
import { checksum, checksumOf } from './checksum.js'
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
} from './DocumentStore.js'
import { StoreError, StoreErrorCode } from './errors.js'
import { GroupCommitQueue, type PendingAppend } from './groupCommit.js'
import { newVersionId } from './versionRecords.js'

/** A stored record with its checksum, as the memory store keeps it. */
export interface MemoryRecord {
  seq: number
  data: Uint8Array
  crc: number
}

/** A stored version with its checksum (over summary and body), as the memory store keeps it. */
export interface MemoryVersion extends StoredVersion {
  /** Order of saving, the tiebreak between versions of the same `createdAt`. */
  seq: number
  crc: number
}

interface MemoryDoc {
  meta: DocumentMeta
  snapshot?: { data: Uint8Array; uptoSeq: number; crc: number }
  updates: MemoryRecord[]
  lastSeq: number
  quarantine: { kind: 'update' | 'snapshot' | 'version'; seq: number; reason: string }[]
  versions: MemoryVersion[]
  authors: Map<number, ClientAuthor>
  /** The indexed text; undefined for a document never indexed (one an append created). */
  text?: DocumentText
}

/**
 * A store in process memory with the same semantics as SQLite (group commit, checksums,
 * quarantine). Nothing survives the process: for tests and throwaway demos only.
 */
export class MemoryStore implements DocumentStore {
  readonly #docs = new Map<string, MemoryDoc>()
  readonly #links = new Map<string, LinkGrant>()
  readonly #queue: GroupCommitQueue
  readonly #hooks: StoreHooks
  /** When set, the next commits throw this error (tests of commit failure). */
  failCommitsWith: Error | undefined
  #closed = false

  constructor(hooks: StoreHooks = {}) {
    this.#hooks = hooks
    this.#queue = new GroupCommitQueue((batch) => this.#commit(batch), hooks)
  }

  #open(): void {
    if (this.#closed) throw new StoreError(StoreErrorCode.closed, 'store is closed')
  }

  async createDocument(docId: string, links: readonly Omit<LinkGrant, 'docId'>[]): Promise<void> {
    this.#open()
    if (this.#docs.has(docId)) throw new StoreError(StoreErrorCode.exists, 'document exists')
    for (const link of links) {
      if (this.#links.has(link.token)) {
        throw new StoreError(StoreErrorCode.exists, 'link token exists')
      }
    }
    const now = Date.now()
    this.#docs.set(docId, { ...emptyDoc(now), text: { title: '', body: '' } })
    for (const link of links) this.#links.set(link.token, { ...link, docId })
  }

  async resolveLink(token: string): Promise<LinkGrant | undefined> {
    this.#open()
    const link = this.#links.get(token)
    return link ? { ...link } : undefined
  }

  async linksOf(docId: string): Promise<LinkGrant[]> {
    this.#open()
    return [...this.#links.values()].filter((l) => l.docId === docId).map((l) => ({ ...l }))
  }

  async rotateLink(docId: string, role: Role, newToken: string): Promise<string[]> {
    this.#open()
    if (!this.#docs.has(docId)) throw new StoreError(StoreErrorCode.notFound, 'no such document')
    if (this.#links.has(newToken)) throw new StoreError(StoreErrorCode.exists, 'link token exists')
    const old: string[] = []
    for (const [token, link] of this.#links) {
      if (link.docId === docId && link.role === role) {
        this.#links.delete(token)
        old.push(token)
      }
    }
    this.#links.set(newToken, { token: newToken, docId, role })
    return old
  }

  async getMeta(docId: string): Promise<DocumentMeta | undefined> {
    this.#open()
    const doc = this.#docs.get(docId)
    return doc ? { ...doc.meta } : undefined
  }

  append(docId: string, update: Uint8Array): Promise<number> {
    return this.#queue.append(docId, update)
  }

  #commit(batch: readonly PendingAppend[]): number[] {
    this.#open()
    if (this.failCommitsWith) throw this.failCommitsWith
    const now = Date.now()
    return batch.map((item) => {
      const doc = this.#ensure(item.docId, now)
      const data = item.data.slice()
      doc.lastSeq += 1
      doc.updates.push({ seq: doc.lastSeq, data, crc: checksum(data) })
      doc.meta.updatedAt = now
      doc.meta.sizeBytes += data.byteLength
      return doc.lastSeq
    })
  }

  #ensure(docId: string, now: number): MemoryDoc {
    let doc = this.#docs.get(docId)
    if (!doc) {
      doc = emptyDoc(now)
      this.#docs.set(docId, doc)
    }
    return doc
  }

  load(docId: string): Promise<LoadedDocument> {
    return this.readSince(docId, 0)
  }

  async readSince(docId: string, afterSeq: number): Promise<LoadedDocument> {
    await this.#queue.flush()
    this.#open()
    const doc = this.#docs.get(docId)
    if (!doc) return { updates: [], head: 0, quarantined: 0 }
    let quarantined = 0
    const result: LoadedDocument = { updates: [], head: doc.lastSeq, quarantined: 0 }
    let after = afterSeq
    if (doc.snapshot && doc.snapshot.uptoSeq > afterSeq) {
      after = doc.snapshot.uptoSeq
      if (checksum(doc.snapshot.data) === doc.snapshot.crc) {
        result.snapshot = { data: doc.snapshot.data.slice(), uptoSeq: doc.snapshot.uptoSeq }
      } else {
        doc.quarantine.push({ kind: 'snapshot', seq: doc.snapshot.uptoSeq, reason: 'checksum' })
        delete doc.snapshot
        quarantined += 1
      }
    }
    doc.updates = doc.updates.filter((record) => {
      if (record.seq <= after) return true
      if (checksum(record.data) === record.crc) {
        result.updates.push({ seq: record.seq, data: record.data.slice() })
        return true
      }
      doc.quarantine.push({ kind: 'update', seq: record.seq, reason: 'checksum mismatch' })
      quarantined += 1
      return false
    })
    result.quarantined = quarantined
    if (quarantined > 0) this.#hooks.onQuarantine?.(quarantined)
    return result
  }

  async heads(docIds: readonly string[]): Promise<Map<string, number>> {
    await this.#queue.flush()
    this.#open()
    const heads = new Map<string, number>()
    for (const docId of docIds) {
      const doc = this.#docs.get(docId)
      if (doc) heads.set(docId, doc.lastSeq)
    }
    return heads
  }

  async compact(docId: string, snapshot: Uint8Array, uptoSeq: number): Promise<void> {
    await this.#queue.flush()
    const doc = this.#ensure(docId, Date.now())
    if (doc.snapshot && doc.snapshot.uptoSeq >= uptoSeq) return
    const data = snapshot.slice()
    doc.snapshot = { data, uptoSeq, crc: checksum(data) }
    doc.lastSeq = Math.max(doc.lastSeq, uptoSeq)
    doc.updates = doc.updates.filter((record) => record.seq > uptoSeq)
    doc.meta.sizeBytes =
      data.byteLength + doc.updates.reduce((sum, record) => sum + record.data.byteLength, 0)
  }

  async quarantine(docId: string, seq: number, reason: string): Promise<void> {
    await this.#queue.flush()
    const doc = this.#docs.get(docId)
    if (!doc) return
    const before = doc.updates.length
    doc.updates = doc.updates.filter((record) => record.seq !== seq)
    if (doc.updates.length !== before) {
      doc.quarantine.push({ kind: 'update', seq, reason })
      this.#hooks.onQuarantine?.(1)
    }
  }

  async quarantineSnapshot(docId: string, reason: string): Promise<void> {
    const doc = this.#docs.get(docId)
    if (!doc?.snapshot) return
    doc.quarantine.push({ kind: 'snapshot', seq: doc.snapshot.uptoSeq, reason })
    delete doc.snapshot
    this.#hooks.onQuarantine?.(1)
  }

  async saveVersion(docId: string, version: NewVersion): Promise<VersionMeta> {
    this.#open()
    const doc = this.#docs.get(docId)
    if (!doc) throw new StoreError(StoreErrorCode.notFound, 'no such document')
    const summary = version.summary.slice()
    const data = version.data.slice()
    const stored: MemoryVersion = {
      id: newVersionId(),
      kind: version.kind,
      name: version.name,
      createdAt: version.createdAt,
      authors: version.authors.map(({ name, color }) => ({ name, color })),
      summary,
      data,
      seq: (doc.versions.at(-1)?.seq ?? 0) + 1,
      crc: checksumOf(summary, data),
    }
    doc.versions.push(stored)
    return metaOf(stored)
  }

  async listVersions(docId: string): Promise<VersionMeta[]> {
    this.#open()
    return this.#newestFirst(docId).map(metaOf)
  }

  async getVersion(docId: string, versionId: string): Promise<StoredVersion | undefined> {
    this.#open()
    const version = this.#docs.get(docId)?.versions.find((v) => v.id === versionId)
    return version && this.#verified(docId, version)
  }

  async latestVersion(docId: string): Promise<StoredVersion | undefined> {
    this.#open()
    // A newest version that fails its checksum is moved aside: the one before it is the newest.
    for (const version of this.#newestFirst(docId)) {
      const verified = this.#verified(docId, version)
      if (verified) return verified
    }
    return undefined
  }

  #newestFirst(docId: string): MemoryVersion[] {
    const versions = [...(this.#docs.get(docId)?.versions ?? [])]
    return versions.sort((a, b) => b.createdAt - a.createdAt || b.seq - a.seq)
  }

  /** The version as stored, or undefined after moving it to quarantine for a bad checksum. */
  #verified(docId: string, version: MemoryVersion): StoredVersion | undefined {
    if (checksumOf(version.summary, version.data) === version.crc) {
      return { ...metaOf(version), summary: version.summary.slice(), data: version.data.slice() }
    }
    const doc = this.#docs.get(docId)
    if (doc) {
      doc.versions = doc.versions.filter((v) => v !== version)
      doc.quarantine.push({ kind: 'version', seq: version.seq, reason: 'checksum mismatch' })
    }
    this.#hooks.onQuarantine?.(1)
    return undefined
  }

  async deleteVersions(docId: string, versionIds: readonly string[]): Promise<number> {
    this.#open()
    const doc = this.#docs.get(docId)
    if (!doc) return 0
    const ids = new Set(versionIds)
    const before = doc.versions.length
    doc.versions = doc.versions.filter((v) => !ids.has(v.id))
    return before - doc.versions.length
  }

  async saveAuthors(
    docId: string,
    authors: readonly ClientAuthor[],
    options: { replace: boolean },
  ): Promise<void> {
    this.#open()
    const doc = this.#docs.get(docId)
    if (!doc) throw new StoreError(StoreErrorCode.notFound, 'no such document')
    for (const author of authors) {
      if (options.replace || !doc.authors.has(author.clientId)) {
        doc.authors.set(author.clientId, { ...author })
      }
    }
  }

  async authorsOf(docId: string): Promise<ClientAuthor[]> {
    this.#open()
    return [...(this.#docs.get(docId)?.authors.values() ?? [])].map((a) => ({ ...a }))
  }

  async resolveLinks(tokens: readonly string[]): Promise<LinkGrant[]> {
    this.#open()
    const grants: LinkGrant[] = []
    for (const token of new Set(tokens)) {
      const link = this.#links.get(token)
      if (link) grants.push({ ...link })
    }
    return grants
  }

  async indexText(entries: readonly IndexEntry[]): Promise<void> {
    this.#open()
    for (const { docId, title, body } of entries) {
      const doc = this.#docs.get(docId)
      if (doc) doc.text = { title, body }
    }
  }

  /** Matches and ranks as the browser does offline (`localScore`), then the newest first. */
  async search(
    docIds: readonly string[],
    terms: readonly string[],
    limit: number,
  ): Promise<SearchHit[]> {
    this.#open()
    const found: { hit: SearchHit; score: number }[] = []
    for (const docId of new Set(docIds)) {
      const doc = this.#docs.get(docId)
      if (!doc?.text) continue
      const score = localScore(doc.text, terms)
      if (score === undefined) continue
      found.push({ hit: { docId, ...doc.text, updatedAt: doc.meta.updatedAt }, score })
    }
    found.sort((a, b) => b.score - a.score || b.hit.updatedAt - a.hit.updatedAt)
    return found.slice(0, Math.max(0, limit)).map(({ hit }) => hit)
  }

  async unindexed(limit: number): Promise<string[]> {
    this.#open()
    const ids = [...this.#docs].filter(([, doc]) => !doc.text).map(([docId]) => docId)
    return ids.slice(0, Math.max(0, limit))
  }

  async delete(docId: string): Promise<void> {
    await this.#queue.flush()
    this.#docs.delete(docId)
    for (const [token, link] of this.#links) if (link.docId === docId) this.#links.delete(token)
  }

  async ping(): Promise<void> {
    this.#open()
  }

  async close(): Promise<void> {
    await this.#queue.flush()
    this.#closed = true
  }

  /** Direct access to a document's stored log records, for tests that simulate corruption. */
  records(docId: string): MemoryRecord[] {
    return this.#docs.get(docId)?.updates ?? []
  }

  /** Forgets a document's indexed text, as if it was stored before the index existed (tests). */
  dropIndexedText(docId: string): void {
    const doc = this.#docs.get(docId)
    if (doc) delete doc.text
  }

  /** Direct access to a document's stored versions, for tests that simulate corruption. */
  versionRecords(docId: string): MemoryVersion[] {
    return this.#docs.get(docId)?.versions ?? []
  }
}

function emptyDoc(now: number): MemoryDoc {
  return {
    meta: { createdAt: now, updatedAt: now, sizeBytes: 0 },
    updates: [],
    lastSeq: 0,
    quarantine: [],
    versions: [],
    authors: new Map(),
  }
}

function metaOf(version: StoredVersion): VersionMeta {
  const { id, kind, name, createdAt } = version
  return { id, kind, name, createdAt, authors: version.authors.map((a) => ({ ...a })) }
}
