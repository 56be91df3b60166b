import type { Role } from '@tandem/shared'
import type { ClientAuthor, IndexEntry } from '../DocumentStore.js'
import type { StoreErrorCode } from '../errors.js'

/** A version as the writer inserts it (its checksum is computed there). */
export interface VersionRow {
  docId: string
  versionId: string
  kind: string
  name: string | null
  createdAt: number
  /** JSON (versionRecords.ts). */
  authors: string
  summary: Uint8Array
  data: Uint8Array
}

/** A document's text to index: as given (kept for snippets) and folded (what FTS5 indexes). */
export interface IndexRow extends IndexEntry {
  foldedTitle: string
  foldedBody: string
}

/** A request to the writer thread; `id` pairs it with its reply. */
export type WriterRequest = { id: number } &
  /** A batch of appends packed into one buffer: item i is `lengths[i]` bytes for `docIds[i]`. */
  (
    | { op: 'append'; docIds: string[]; lengths: number[]; bytes: Uint8Array }
    | { op: 'createDocument'; docId: string; links: { token: string; role: Role }[] }
    | { op: 'rotateLink'; docId: string; role: Role; token: string }
    | { op: 'compact'; docId: string; snapshot: Uint8Array; uptoSeq: number }
    | { op: 'quarantineUpdates'; docId: string; seqs: number[]; reason: string }
    | { op: 'quarantineSnapshot'; docId: string; reason: string }
    | { op: 'delete'; docId: string }
    | ({ op: 'saveVersion' } & VersionRow)
    | { op: 'deleteVersions'; docId: string; ids: string[] }
    | { op: 'quarantineVersion'; docId: string; versionId: string; reason: string }
    | { op: 'saveAuthors'; docId: string; authors: ClientAuthor[]; replace: boolean }
    | { op: 'indexText'; rows: IndexRow[] }
    /** A write of `bytes` that only proves the disk takes commits (see SqliteWrites.probe). */
    | { op: 'probe'; bytes: number }
    | { op: 'close' }
  )

/** A request as its sender writes it: the writer client (SqliteWriter.ts) adds the `id`. */
export type WriterCall = WriterRequest extends infer R
  ? R extends unknown
    ? Omit<R, 'id'>
    : never
  : never

/** The writer's answer: the operation's value, or the error's code and message. */
export type WriterReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; code: StoreErrorCode; message: string }
