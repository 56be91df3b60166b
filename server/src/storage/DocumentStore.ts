import type { Role, VersionKind } from '@tandem/shared'

/** One record of a document's update log. */
export interface StoredUpdate {
  /** Position in the document's log; strictly increasing, gaps allowed. */
  seq: number
  /** A Yjs update (format V1), exactly as appended. */
  data: Uint8Array
}

/**
 * What {@link DocumentStore.load} and {@link DocumentStore.readSince} return, all from one
 * consistent read: the snapshot if it is newer than what the caller has, the log after it, in
 * order, and the head.
 */
export interface LoadedDocument {
  /** The merged state up to and including `uptoSeq`, if newer than the caller's position. */
  snapshot?: { data: Uint8Array; uptoSeq: number }
  /** Log records after the snapshot (or after the caller's position), ascending by seq. */
  updates: StoredUpdate[]
  /** The last seq handed out for the document (0 for none). */
  head: number
  /** Records that failed their checksum during this read and were moved to quarantine. */
  quarantined: number
}

/** Document metadata; sizes in bytes, times in milliseconds since the epoch. */
export interface DocumentMeta {
  createdAt: number
  updatedAt: number
  /** Bytes held for the document: snapshot plus log records. */
  sizeBytes: number
}

/** A capability link: a secret token that grants a role on a document. */
export interface LinkGrant {
  token: string
  docId: string
  role: Role
}

/** A person as recorded for a version or a Yjs client id: display name and `#rrggbb` colour. */
export interface StoredAuthor {
  name: string
  color: string
}

/** Who wrote with one Yjs client id in a document (see {@link DocumentStore.saveAuthors}). */
export interface ClientAuthor extends StoredAuthor {
  /** The Yjs client id (an unsigned 32-bit integer in practice; stored up to 2^53). */
  clientId: number
  role: Role
}

/** A version to save: its metadata and two byte strings the store does not interpret. */
export interface NewVersion {
  kind: VersionKind
  /** Set for `named` versions only. */
  name: string | null
  /** When the state was taken, in milliseconds since the epoch. */
  createdAt: number
  /** The people who changed the document since the previous version. */
  authors: StoredAuthor[]
  /**
   * A small fingerprint of the state (for Yjs: its state vector and delete set), read back by
   * {@link DocumentStore.latestVersion} so the caller can skip saving an identical state.
   */
  summary: Uint8Array
  /** The whole document at the version (a Yjs V1 update). */
  data: Uint8Array
}

/** A stored version without its bytes: what listing returns. */
export interface VersionMeta {
  /** Opaque, URL-safe, unique in the store; assigned by the store. */
  id: string
  kind: VersionKind
  name: string | null
  createdAt: number
  authors: StoredAuthor[]
}

/** A stored version with its bytes, verified against its checksum. */
export interface StoredVersion extends VersionMeta {
  summary: Uint8Array
  data: Uint8Array
}

/** A document's text as the search index holds it (see {@link DocumentStore.indexText}). */
export interface IndexEntry {
  docId: string
  /** The title, one line. */
  title: string
  /** The body as plain text, one block per line. */
  body: string
}

/** A document found by {@link DocumentStore.search}, with its indexed text to cut a snippet from. */
export interface SearchHit extends IndexEntry {
  /** The document's `updatedAt` (see {@link DocumentMeta}), in milliseconds since the epoch. */
  updatedAt: number
}

/**
 * Durable storage of documents as bytes. Yjs work (merge, encode) belongs to the Room.
 * Every implementation must pass test/storeContract.ts. Failures are StoreErrors (errors.ts)
 * whose code says what happened: `exists`, `not-found`, `closed`, `unavailable`, `commit-failed`.
 */
export interface DocumentStore {
  /** Creates a document and its links in one transaction; rejects with `exists` if the id or a token exists. */
  createDocument(docId: string, links: readonly Omit<LinkGrant, 'docId'>[]): Promise<void>
  /** Returns what a link token grants, or undefined for an unknown or revoked token. */
  resolveLink(token: string): Promise<LinkGrant | undefined>
  /** All current links of a document. */
  linksOf(docId: string): Promise<LinkGrant[]>
  /**
   * Replaces the document's links of `role` with one new token, in one transaction. Returns the
   * tokens that stopped working; rejects with `not-found` for an unknown document.
   */
  rotateLink(docId: string, role: Role, newToken: string): Promise<string[]>
  /** Returns metadata, or undefined if the document does not exist. */
  getMeta(docId: string): Promise<DocumentMeta | undefined>
  /**
   * Appends one update to the log. Resolves with its seq once durable (group commit: all appends
   * of one event-loop tick share one transaction); rejects with `commit-failed` (or `closed`,
   * `unavailable`) if the commit failed, in which case nothing of that batch is stored.
   */
  append(docId: string, update: Uint8Array): Promise<number>
  /** Loads the snapshot and the log after it; bad-checksum records are quarantined, not returned. */
  load(docId: string): Promise<LoadedDocument>
  /**
   * What a reader that has applied everything up to `afterSeq` lacks: the snapshot only if its
   * `uptoSeq` is past `afterSeq`, then the records after both. `load(id)` is `readSince(id, 0)`.
   */
  readSince(docId: string, afterSeq: number): Promise<LoadedDocument>
  /**
   * The head (last seq handed out) of each of `docIds` that exists, in one read; a missing
   * document is absent from the map (deleted elsewhere).
   */
  heads(docIds: readonly string[]): Promise<Map<string, number>>
  /**
   * In one transaction: stores `snapshot` as the state up to `uptoSeq` and drops covered records.
   * A no-op unless `uptoSeq` is past the stored snapshot's, so a stale compactor changes nothing.
   */
  compact(docId: string, snapshot: Uint8Array, uptoSeq: number): Promise<void>
  /** Moves one log record aside (kept for inspection) because it could not be applied. */
  quarantine(docId: string, seq: number, reason: string): Promise<void>
  /**
   * Moves the snapshot aside because it could not be applied; the log after it still loads. (The
   * content it covered is kept in quarantine for an operator to inspect.)
   */
  quarantineSnapshot(docId: string, reason: string): Promise<void>
  /**
   * Stores a version of the document (one transaction, durable when it resolves) under a new id,
   * with a checksum over its bytes. Rejects with `not-found` if the document does not exist.
   */
  saveVersion(docId: string, version: NewVersion): Promise<VersionMeta>
  /**
   * The document's versions, newest first (by `createdAt`, then by order of saving), without their
   * bytes (none are read); empty for an unknown document.
   */
  listVersions(docId: string): Promise<VersionMeta[]>
  /**
   * One version of the document with its bytes, or undefined if there is none with that id. A
   * version failing its checksum is moved to quarantine (kept, counted) and reported as missing,
   * never returned.
   */
  getVersion(docId: string, versionId: string): Promise<StoredVersion | undefined>
  /** The newest version (as {@link listVersions} orders them), checked as {@link getVersion} does. */
  latestVersion(docId: string): Promise<StoredVersion | undefined>
  /** Deletes these versions of the document (retention thinning); returns how many existed. */
  deleteVersions(docId: string, versionIds: readonly string[]): Promise<number>
  /**
   * Records who wrote with which Yjs client ids. With `replace`, an existing entry of the same
   * client id is overwritten (the connection that owns that id renamed itself); without it, only
   * ids not recorded yet are added (the first connection to deliver an id's content keeps it).
   * Rejects with `not-found` if the document does not exist.
   */
  saveAuthors(
    docId: string,
    authors: readonly ClientAuthor[],
    options: { replace: boolean },
  ): Promise<void>
  /** Every client id recorded for the document, with its author; empty for an unknown document. */
  authorsOf(docId: string): Promise<ClientAuthor[]>
  /** What each of `tokens` grants, in one read; unknown and revoked tokens are left out. */
  resolveLinks(tokens: readonly string[]): Promise<LinkGrant[]>
  /**
   * Replaces the indexed title and body of each entry's document, all in one transaction. An entry
   * whose document does not exist (deleted meanwhile) is skipped. A document created by
   * {@link createDocument} starts indexed with empty text.
   */
  indexText(entries: readonly IndexEntry[]): Promise<void>
  /**
   * Full-text search among `docIds` only (no other document's text is read, ranked or returned):
   * the documents whose indexed title or body holds every one of `terms` (folded words, from
   * `searchTerms` in `@tandem/shared`), each matching by prefix (`collab` finds `collaboration`)
   * and by stem (`running` finds `runs`). Best first, a match in the title weighing more than one
   * in the body, then the most recently updated; at most `limit`. Empty when `terms` or `docIds`
   * is empty. The terms are words only, but a store still passes them to its query language as
   * quoted literals. An index may ignore a term that is a stop word of its language (PostgreSQL
   * does), and then a query of stop words only finds nothing.
   */
  search(docIds: readonly string[], terms: readonly string[], limit: number): Promise<SearchHit[]>
  /**
   * Up to `limit` documents with no indexed text at all (stored before the index existed, or
   * copied in from elsewhere), for the indexer to fill in; empty once every document is indexed.
   */
  unindexed(limit: number): Promise<string[]>
  /** Deletes a document, its log, snapshot, links, versions, recorded authors and indexed text. */
  delete(docId: string): Promise<void>
  /** Resolves when the store can serve requests; rejects otherwise (used by /readyz). */
  ping(): Promise<void>
  /** Flushes pending appends and releases resources. */
  close(): Promise<void>
}

/** Observers a store reports to (metrics); all optional. */
export interface StoreHooks {
  /** A batch committed (or failed) after `seconds`, holding `records` appends. */
  onCommit?(seconds: number, records: number, ok: boolean): void
  /** `count` records were moved to quarantine. */
  onQuarantine?(count: number): void
}
