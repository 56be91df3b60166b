import { CommitError } from './DocumentStore.js'

/** Observers a store reports to (metrics); all optional. */
export interface StoreHooks {
  /** A batch committed (or failed) after `seconds`, holding `records` appends. */
  onCommit?(seconds: number, records: number, ok: boolean): void
  /** `count` records were moved to quarantine. */
  onQuarantine?(count: number): void
}

/** One append waiting for its batch. */
export interface PendingAppend {
  docId: string
  data: Uint8Array
  resolve(seq: number): void
  reject(error: Error): void
}

/**
 * Group commit: appends that arrive while no commit is running go out together at the end of the
 * tick; appends that arrive while one is running wait and go out together as the next batch. So
 * one transaction (one fsync) covers every edit that arrived together, and batches grow by
 * themselves when the disk is slow. Batches commit in order.
 */
export class GroupCommitQueue {
  #pending: PendingAppend[] = []
  #scheduled = false
  #inFlight: Promise<void> | undefined

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
    if (this.#inFlight) await this.#inFlight
    if (this.#pending.length > 0) {
      this.#start()
      await this.#inFlight
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.#start()
    })
  }

  #start(): void {
    if (this.#inFlight || this.#pending.length === 0) return
    const batch = this.#pending
    this.#pending = []
    const started = performance.now()
    this.#inFlight = Promise.resolve()
      .then(() => this.commit(batch))
      .then(
        (seqs) => {
          this.hooks.onCommit?.((performance.now() - started) / 1000, batch.length, true)
          batch.forEach((item, i) => item.resolve(seqs[i] as number))
        },
        (cause: unknown) => {
          this.hooks.onCommit?.((performance.now() - started) / 1000, batch.length, false)
          const error = new CommitError(
            `commit of ${batch.length} updates failed: ${String(cause)}`,
            { cause },
          )
          for (const item of batch) item.reject(error)
        },
      )
      .finally(() => {
        this.#inFlight = undefined
        if (this.#pending.length > 0) this.#schedule()
      })
  }
}
