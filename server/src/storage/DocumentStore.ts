import type { Role } from '@tandem/shared'

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
  /** Deletes a document, its log, snapshot and links. */
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
