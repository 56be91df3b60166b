import { StoreError, StoreErrorCode } from '../errors.js'
import type { PendingAppend } from '../groupCommit.js'
import { APPEND_SQL, appendParams } from './appendSql.js'
import type { PgDatabase } from './PgDatabase.js'

/** Batches that queued behind a running commit merge up to this many records and bytes. */
const MERGE_MAX_RECORDS = 5_000
const MERGE_MAX_BYTES = 8 * 1024 * 1024

/** A tick's batch waiting for the commit in flight to finish. */
interface WaitingBatch {
  batch: readonly PendingAppend[]
  resolve(seqs: number[]): void
  reject(error: Error): void
}

/**
 * The commit behind the group-commit queue: one append statement (appendSql.ts) in flight at a
 * time per store; the tick batches that arrive meanwhile wait and then go together in the next
 * one. So a commit grows while the database is slow (one WAL flush for all of it), an instance
 * holds at most one connection for appends, and its appends to a document get seqs in the order
 * they were made.
 */
export class AppendCommitter {
  #waiting: WaitingBatch[] = []
  #committing = false

  constructor(private readonly db: PgDatabase) {}

  /** Commits `batch` (with whatever else is waiting then); resolves with its seqs in order. */
  commit(batch: readonly PendingAppend[]): Promise<number[]> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ batch, resolve, reject })
      void this.#pump()
    })
  }

  async #pump(): Promise<void> {
    if (this.#committing) return
    this.#committing = true
    try {
      while (this.#waiting.length > 0) {
        const group = this.#nextGroup()
        try {
          const seqs = await this.#run(group.flatMap((waiting) => waiting.batch))
          let at = 0
          for (const waiting of group) {
            waiting.resolve(seqs.slice(at, at + waiting.batch.length))
            at += waiting.batch.length
          }
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err))
          for (const waiting of group) waiting.reject(error)
        }
      }
    } finally {
      this.#committing = false
    }
  }

  /** Waiting batches up to the merge limits; always at least one. */
  #nextGroup(): WaitingBatch[] {
    let records = 0
    let bytes = 0
    let n = 0
    for (const waiting of this.#waiting) {
      const size = waiting.batch.reduce((sum, item) => sum + item.data.byteLength, 0)
      const full =
        records + waiting.batch.length > MERGE_MAX_RECORDS || bytes + size > MERGE_MAX_BYTES
      if (n > 0 && full) break
      records += waiting.batch.length
      bytes += size
      n++
    }
    return this.#waiting.splice(0, n)
  }

  /** One statement, one round trip, its own transaction. */
  async #run(items: readonly PendingAppend[]): Promise<number[]> {
    const rows = await this.db.commit<{ seq: number }>(
      `appending ${items.length} updates`,
      APPEND_SQL,
      appendParams(items),
      'tandem_append',
    )
    if (rows.length !== items.length) {
      throw new StoreError(StoreErrorCode.commitFailed, 'append returned the wrong number of seqs')
    }
    return rows.map((row) => row.seq)
  }
}
