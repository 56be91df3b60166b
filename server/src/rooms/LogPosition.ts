import type { LoadedPosition } from './loadDocument.js'

/**
 * Where a room's in-memory document stands against its stored log: how far it has applied
 * everything, what is stored (and in flight), and what compaction would cover.
 */
export class LogPosition {
  /** Everything up to this seq is applied: the contiguous mark, and the compaction label. */
  appliedSeq = 0
  /** Seqs applied above the mark (updates from other instances can arrive out of order). */
  #above: Set<number> | undefined
  /** Stored bytes: the last snapshot plus the log since, including writes in flight. */
  sizeBytes = 0
  /** Bytes of writes in flight. */
  pendingBytes = 0
  /** Log records (and their bytes) since the last snapshot. */
  recordsSinceSnapshot = 0
  bytesSinceSnapshot = 0
  /** The whole document as one update, while nothing changed since it was encoded. */
  fullState: Uint8Array | undefined

  /** Takes over where loading left off. */
  start(loaded: LoadedPosition): void {
    this.appliedSeq = loaded.appliedSeq
    this.sizeBytes = loaded.sizeBytes
    this.recordsSinceSnapshot = loaded.recordsSinceSnapshot
    this.bytesSinceSnapshot = loaded.bytesSinceSnapshot
    this.fullState = loaded.fullState
  }

  /** True if the record `seq` is already in the document. */
  has(seq: number): boolean {
    return seq <= this.appliedSeq || (this.#above?.has(seq) ?? false)
  }

  /** Records that the committed record `seq`, of `bytes`, is now applied. */
  applied(seq: number, bytes: number): void {
    this.fullState = undefined
    this.recordsSinceSnapshot++
    this.bytesSinceSnapshot += bytes
    if (seq !== this.appliedSeq + 1) {
      if (seq > this.appliedSeq) (this.#above ??= new Set()).add(seq)
      return
    }
    this.appliedSeq = seq
    const above = this.#above
    while (above?.delete(this.appliedSeq + 1)) this.appliedSeq++
    if (above?.size === 0) this.#above = undefined
  }

  /** True while some applied record is above the contiguous mark (a record in between is missing). */
  get hasGap(): boolean {
    return this.#above !== undefined
  }

  /** Everything up to `seq` is in the document (a snapshot covering it was applied). */
  coveredUpTo(seq: number): void {
    if (seq <= this.appliedSeq) return
    this.fullState = undefined
    this.appliedSeq = seq
    const above = this.#above
    if (above) for (const s of above) if (s <= seq) above.delete(s)
    while (above?.delete(this.appliedSeq + 1)) this.appliedSeq++
    if (above?.size === 0) this.#above = undefined
  }

  /** A compaction stored `snapshotBytes` covering `records` records of `bytes`. */
  compacted(snapshotBytes: number, records: number, bytes: number): void {
    this.recordsSinceSnapshot -= records
    this.bytesSinceSnapshot -= bytes
    this.sizeBytes = snapshotBytes + this.bytesSinceSnapshot + this.pendingBytes
  }
}
