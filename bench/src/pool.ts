/** The main thread's side of the generator: a few worker threads and a promise per command. */
import { Worker } from 'node:worker_threads'
import type { Command, CommandArgs, CommandResult } from './rpc.js'

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void }

export class WorkerPool {
  private readonly workers: Worker[]
  private readonly pending = new Map<number, Pending>()
  private nextId = 1

  /**
   * `size` threads running `script`: the stock generator worker, or splitWorker.js (the same
   * worker, also classifying deliveries as same- or cross-instance) for multi-instance runs.
   */
  constructor(
    readonly size: number,
    script: URL = new URL('./worker.js', import.meta.url),
  ) {
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(script)
      w.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
        const p = this.pending.get(msg.id)
        if (!p) return
        this.pending.delete(msg.id)
        if (msg.error !== undefined) p.reject(new Error(`worker: ${msg.error}`))
        else p.resolve(msg.result)
      })
      w.on('error', (err) => {
        for (const p of this.pending.values()) p.reject(err)
        this.pending.clear()
      })
      return w
    })
  }

  /** Runs a command on one worker. */
  call<K extends Command>(worker: number, cmd: K, args: CommandArgs[K]): Promise<CommandResult[K]> {
    const w = this.workers[worker]
    if (!w) throw new Error(`no worker ${worker}`)
    const id = this.nextId++
    return new Promise<CommandResult[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      w.postMessage({ id, cmd, args })
    })
  }

  /** Runs a command on every worker, with per-worker arguments. */
  all<K extends Command>(
    cmd: K,
    args: (worker: number) => CommandArgs[K],
  ): Promise<CommandResult[K][]> {
    return Promise.all(this.workers.map((_, i) => this.call(i, cmd, args(i))))
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}
