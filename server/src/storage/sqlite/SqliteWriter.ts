import {
  MessageChannel,
  Worker,
  type MessagePort,
  type TransferListItem,
} from 'node:worker_threads'
import { StoreError, StoreErrorCode, isStoreError } from '../errors.js'
import type { WriterCall, WriterReply } from './writerMessages.js'

// Under the test runner this file runs from src/ as TypeScript; the worker always runs the
// compiled JavaScript in dist/ (built before the tests).
const WRITER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../../dist/storage/sqlite/writerThread.js', import.meta.url)
  : new URL('./writerThread.js', import.meta.url)

/**
 * The store's side of the writer thread (writerThread.ts), which owns the write connection:
 * starts it, sends it requests and pairs them with replies, and starts a new one when it dies.
 */
export class SqliteWriter {
  readonly #file: string
  readonly #busyTimeoutMs: number
  /** Undefined while a writer that died is waiting to be restarted. */
  #writer: Worker | undefined
  /** Delay before the next restart of a writer that keeps dying soon after starting. */
  #restartDelayMs = 0
  /** Requests go to the writer, and replies come back, on this port. */
  #port!: MessagePort
  #nextId = 1
  readonly #waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>()
  #closed = false
  #writesFailing = true

  constructor(file: string, busyTimeoutMs: number) {
    this.#file = file
    this.#busyTimeoutMs = busyTimeoutMs
    this.#writer = this.#start()
  }

  /**
   * Set when a write fails (disk full, I/O error, writer gone), cleared when one succeeds. Set at
   * first too: a server restarted on a full disk is not ready until it has written once.
   */
  get writesFailing(): boolean {
    return this.#writesFailing
  }

  #start(): Worker {
    const started = performance.now()
    const { port1, port2 } = new MessageChannel()
    const writer = new Worker(WRITER_URL, {
      workerData: { file: this.#file, busyTimeoutMs: this.#busyTimeoutMs, port: port2 },
      transferList: [port2],
    })
    this.#port = port1
    port1.on('message', (reply: WriterReply) => {
      const waiter = this.#waiting.get(reply.id)
      if (!waiter) return
      this.#waiting.delete(reply.id)
      if (reply.ok) waiter.resolve(reply.value)
      else waiter.reject(new StoreError(reply.code, reply.message))
    })
    const fail = (error: Error) => {
      port1.close()
      this.#writesFailing = true
      // Nothing pending was committed; callers see the failure. Later requests get a new writer.
      for (const waiter of this.#waiting.values()) {
        waiter.reject(new StoreError(StoreErrorCode.commitFailed, error.message))
      }
      this.#waiting.clear()
      if (!this.#closed && this.#writer === writer) this.#restart(started)
    }
    writer.on('error', fail)
    writer.on('exit', (code) => {
      if (!this.#closed) fail(new Error(`storage writer exited with code ${code}`))
    })
    return writer
  }

  /**
   * A writer that ran for a while is replaced at once; one that keeps dying right after starting
   * (a broken database file, say) is retried with a growing delay, up to 5 s, instead of in a
   * busy loop. Meanwhile requests fail at once.
   */
  #restart(startedAt: number): void {
    const ranMs = performance.now() - startedAt
    this.#restartDelayMs =
      ranMs > 10_000 ? 0 : Math.min(5_000, Math.max(100, this.#restartDelayMs * 2))
    this.#writer = undefined
    if (this.#restartDelayMs === 0) {
      this.#writer = this.#start()
      return
    }
    setTimeout(() => {
      if (!this.#closed) this.#writer = this.#start()
    }, this.#restartDelayMs).unref()
  }

  /**
   * Sends `request` (moving the buffers in `transfer`) and resolves with the writer's value;
   * rejects with the StoreError it reported, `commit-failed` if it died meanwhile, `unavailable`
   * while it is restarting, `closed` after close.
   */
  request(request: WriterCall, transfer: TransferListItem[] = []): Promise<unknown> {
    if (this.#closed)
      return Promise.reject(new StoreError(StoreErrorCode.closed, 'store is closed'))
    if (!this.#writer) {
      return Promise.reject(
        new StoreError(StoreErrorCode.unavailable, 'storage writer is restarting'),
      )
    }
    const id = this.#nextId++
    return new Promise<unknown>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject })
      this.#port.postMessage({ ...request, id }, transfer)
    }).then(
      (value) => {
        // Only these always write: their success shows the disk takes commits again.
        if (request.op === 'append' || request.op === 'probe') this.#writesFailing = false
        return value
      },
      (error: unknown) => {
        if (
          isStoreError(error, StoreErrorCode.commitFailed) ||
          isStoreError(error, StoreErrorCode.unavailable)
        ) {
          this.#writesFailing = true
        }
        throw error
      },
    )
  }

  /** Lets the writer close its connection after the requests sent before, then ends it. */
  async close(): Promise<void> {
    if (this.#closed) return
    await this.request({ op: 'close' }).catch(() => {})
    this.#closed = true
    await this.#writer?.terminate()
    this.#port.close()
  }
}
