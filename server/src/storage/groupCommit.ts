import type { StoreHooks } from './DocumentStore.js'
import { StoreError, StoreErrorCode } from './errors.js'

/** One append waiting for its batch. */
export interface PendingAppend {
  docId: string
  data: Uint8Array
  resolve(seq: number): void
  reject(error: Error): void
}

/**
 * Group commit: appends that arrive in the same turn of the event loop go to storage together as
 * one batch at the end of it, without waiting for earlier batches to finish — a store that commits
 * on another thread merges batches that queue up there into one transaction (one fsync), so
 * batches grow by themselves when the disk is slow, and no edit waits for a round trip it is not
 * part of. Batches settle in order.
 */
export class GroupCommitQueue {
  #pending: PendingAppend[] = []
  #scheduled = false
  /** Settles once every batch started so far has settled. */
  #settled: Promise<void> = Promise.resolve()

  constructor(
    private readonly commit: (batch: readonly PendingAppend[]) => number[] | Promise<number[]>,
    private readonly hooks: StoreHooks = {},
  ) {}

  /** Queues an append; resolves with its seq when its batch is committed. */
  append(docId: string, data: Uint8Array): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.#pending.push({ docId, data, resolve, reject })
      this.#schedule()
    })
  }

  /** Resolves once everything appended before the call has committed (or failed). */
  async flush(): Promise<void> {
    this.#start()
    await this.#settled
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.#start()
    })
  }

  #start(): void {
    if (this.#pending.length === 0) return
    const batch = this.#pending
    this.#pending = []
    const started = performance.now()
    const done = Promise.resolve()
      .then(() => this.commit(batch))
      .then(
        (seqs) => {
          this.hooks.onCommit?.((performance.now() - started) / 1000, batch.length, true)
          batch.forEach((item, i) => item.resolve(seqs[i] as number))
        },
        (cause: unknown) => {
          this.hooks.onCommit?.((performance.now() - started) / 1000, batch.length, false)
          // A store that knows why (closed, unavailable) says so; anything else failed the commit.
          const code = cause instanceof StoreError ? cause.code : StoreErrorCode.commitFailed
          const error = new StoreError(
            code,
            `commit of ${batch.length} updates failed: ${String(cause)}`,
            { cause },
          )
          for (const item of batch) item.reject(error)
        },
      )
    this.#settled = Promise.all([this.#settled, done]).then(() => undefined)
  }
}
