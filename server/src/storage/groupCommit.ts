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
 * Collects the appends of one event-loop tick and hands them to `commit` as one batch, so one
 * transaction (one fsync) covers every edit that arrived together. Batches commit in order.
 */
export class GroupCommitQueue {
  #pending: PendingAppend[] = []
  #scheduled = false

  constructor(
    private readonly commit: (batch: readonly PendingAppend[]) => number[],
    private readonly hooks: StoreHooks = {},
  ) {}

  /** Queues an append; resolves with its seq when its batch is committed. */
  append(docId: string, data: Uint8Array): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.#pending.push({ docId, data, resolve, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => this.#run())
      }
    })
  }

  /** Commits whatever is pending now (used before reads and compaction, which must see it). */
  async flush(): Promise<void> {
    this.#run()
  }

  #run(): void {
    this.#scheduled = false
    const batch = this.#pending
    if (batch.length === 0) return
    this.#pending = []
    const started = performance.now()
    let seqs: number[]
    try {
      seqs = this.commit(batch)
    } catch (cause) {
      this.hooks.onCommit?.((performance.now() - started) / 1000, batch.length, false)
      const error = new CommitError(`commit of ${batch.length} updates failed: ${String(cause)}`, {
        cause,
      })
      for (const item of batch) item.reject(error)
      return
    }
    this.hooks.onCommit?.((performance.now() - started) / 1000, batch.length, true)
    batch.forEach((item, i) => item.resolve(seqs[i] as number))
  }
}
