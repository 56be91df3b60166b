import { Worker } from 'node:worker_threads'
import type { FastifyBaseLogger } from 'fastify'
import type { ExportFormat } from '@tandem/shared'
import {
  CONVERTER_READY,
  type ConversionReply,
  type ConversionRequest,
} from './conversionMessages.js'
import type { ExportedDocument } from './exportDocument.js'
import type { ImportedDocument, ImportSource } from './importDocument.js'

// Under the test runner this file runs from src/ as TypeScript; the worker always runs the
// compiled JavaScript in dist/ (built before the tests).
const THREAD_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/convert/conversionThread.js', import.meta.url)
  : new URL('./conversionThread.js', import.meta.url)

/** Why a conversion did not happen; `message` may be shown to people. */
export const ConversionErrorCode = {
  /** The content cannot become a document (nested too deeply, say). */
  unconvertible: 'unconvertible',
  /** It took longer than the time limit (the content is too large or too complex). */
  timedOut: 'timed-out',
  /** Too many conversions are waiting; try again shortly. */
  busy: 'busy',
  /** The converter was closed (the server is shutting down). */
  closed: 'closed',
  /** Anything else: a bug or a crashed thread (the log says more). */
  failed: 'failed',
} as const
export type ConversionErrorCode = (typeof ConversionErrorCode)[keyof typeof ConversionErrorCode]

/** A conversion that did not happen, with a {@link ConversionErrorCode}. */
export class ConversionError extends Error {
  override name = 'ConversionError'
  constructor(
    readonly code: ConversionErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/** Options for {@link Converter}. */
export interface ConverterOptions {
  log: FastifyBaseLogger
  /** Longest one conversion may run, in milliseconds, before its thread is stopped. */
  timeLimitMs?: number
  /** Conversions allowed to wait behind the running one; more are refused as `busy`. */
  maxQueued?: number
  /** How long an idle thread is kept, in milliseconds, before it is stopped to free its memory. */
  idleMs?: number
}

interface Job {
  request: ConversionRequest
  resolve(value: unknown): void
  reject(error: Error): void
}

/**
 * Runs document conversions (export to Markdown, HTML or text; import from Markdown or HTML) on
 * a worker thread, one at a time, so the event loop that relays edits never waits for them. The
 * thread starts on first use and stops when idle; a conversion over the time limit stops it (the
 * next conversion gets a fresh one), so no input can keep it busy forever.
 */
export class Converter {
  readonly #log: FastifyBaseLogger
  readonly #timeLimitMs: number
  readonly #maxQueued: number
  readonly #idleMs: number
  readonly #queue: Job[] = []
  #worker: Worker | undefined
  /** Resolves when the current thread has loaded the schema and takes requests. */
  #ready: Promise<void> | undefined
  #running: Job | undefined
  #timer: NodeJS.Timeout | undefined
  #idleTimer: NodeJS.Timeout | undefined
  #nextId = 1
  #closed = false

  constructor(options: ConverterOptions) {
    this.#log = options.log
    this.#timeLimitMs = options.timeLimitMs ?? 30_000
    this.#maxQueued = options.maxQueued ?? 32
    this.#idleMs = options.idleMs ?? 60_000
  }

  /** `state` (a Yjs update of a whole document) as a file of `format`. */
  exportDocument(state: Uint8Array, format: ExportFormat): Promise<ExportedDocument> {
    return this.#run({
      id: this.#nextId++,
      op: 'export',
      state,
      format,
    }) as Promise<ExportedDocument>
  }

  /** A new document's first state from Markdown or HTML (see `importDocument`). */
  importDocument(source: ImportSource, title?: string): Promise<ImportedDocument> {
    const request: ConversionRequest = { id: this.#nextId++, op: 'import', source }
    if (title !== undefined) request.title = title
    return this.#run(request) as Promise<ImportedDocument>
  }

  /** Stops the thread; waiting and running conversions fail with `closed`. */
  async close(): Promise<void> {
    this.#closed = true
    const closed = new ConversionError(ConversionErrorCode.closed, 'The server is shutting down')
    for (const job of this.#queue.splice(0)) job.reject(closed)
    this.#running?.reject(closed)
    this.#running = undefined
    await this.#stopWorker()
  }

  #run(request: ConversionRequest): Promise<unknown> {
    if (this.#closed) {
      return Promise.reject(
        new ConversionError(ConversionErrorCode.closed, 'The server is shutting down'),
      )
    }
    if (this.#queue.length >= this.#maxQueued) {
      return Promise.reject(
        new ConversionError(ConversionErrorCode.busy, 'Too many conversions at once; try again'),
      )
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ request, resolve, reject })
      this.#next()
    })
  }

  #next(): void {
    if (this.#running || this.#closed) return
    const job = this.#queue.shift()
    if (!job) {
      this.#idleTimer ??= setTimeout(() => {
        this.#idleTimer = undefined
        if (!this.#running && this.#queue.length === 0) void this.#stopWorker()
      }, this.#idleMs).unref()
      return
    }
    clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
    this.#running = job
    const worker = (this.#worker ??= this.#startWorker())
    // A conversion in progress keeps the process alive; an idle thread does not.
    worker.ref()
    // The time limit is the conversion's: a new thread first loads the schema.
    void this.#ready?.then(() => {
      if (this.#running !== job || this.#worker !== worker) return
      this.#timer = setTimeout(() => this.#timedOut(job), this.#timeLimitMs)
      this.#timer.unref()
      worker.postMessage(job.request)
    })
  }

  #timedOut(job: Job): void {
    if (this.#running !== job) return
    this.#log.warn({ op: job.request.op, timeLimitMs: this.#timeLimitMs }, 'conversion timed out')
    this.#finish(
      job,
      new ConversionError(
        ConversionErrorCode.timedOut,
        'The content is too large or complex to convert in time',
      ),
    )
    // The only way to stop a synchronous conversion is to stop its thread.
    void this.#stopWorker().then(() => this.#next())
  }

  #startWorker(): Worker {
    const worker = new Worker(THREAD_URL)
    let ready: () => void = () => {}
    this.#ready = new Promise((resolve) => (ready = resolve))
    worker.on('message', (reply: ConversionReply | typeof CONVERTER_READY) => {
      if (reply === CONVERTER_READY) {
        ready()
        return
      }
      const job = this.#running
      if (!job || job.request.id !== reply.id) return
      if (reply.ok) this.#finish(job, undefined, reply.value)
      else {
        if (reply.code === 'failed') this.#log.error({ err: reply.message }, 'conversion failed')
        const code =
          reply.code === 'unconvertible'
            ? ConversionErrorCode.unconvertible
            : ConversionErrorCode.failed
        this.#finish(job, new ConversionError(code, reply.message))
      }
      this.#next()
    })
    worker.on('error', (err) => {
      this.#log.error({ err }, 'conversion thread failed')
    })
    worker.on('exit', (code) => {
      if (this.#worker !== worker) return
      this.#worker = undefined
      const job = this.#running
      if (job) {
        this.#finish(
          job,
          new ConversionError(ConversionErrorCode.failed, `conversion thread exited (${code})`),
        )
        this.#next()
      }
    })
    return worker
  }

  #finish(job: Job, error?: Error, value?: unknown): void {
    if (this.#running !== job) return
    this.#running = undefined
    clearTimeout(this.#timer)
    this.#worker?.unref()
    if (error) job.reject(error)
    else job.resolve(value)
  }

  async #stopWorker(): Promise<void> {
    const worker = this.#worker
    this.#worker = undefined
    clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
    if (worker) await worker.terminate()
  }
}
