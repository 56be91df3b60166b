import * as Y from 'yjs'
import type { FastifyBaseLogger } from 'fastify'
import type { DocumentStore } from '../storage/DocumentStore.js'
import type { EngineHooks } from './hooks.js'
import type { LogPosition } from './LogPosition.js'

/**
 * Replaces a room's log with a snapshot of its committed state: after every
 * `compactAfterUpdates` records, and when the room unloads. One compaction at a time. Each
 * snapshot is also handed to `onSnapshot` in the turn it was encoded (the version history saves
 * it as an automatic version); the compaction finishes once that has settled too.
 */
export class Compactor {
  #running: Promise<void> | undefined
  readonly #store: DocumentStore
  readonly #hooks: EngineHooks
  readonly #log: FastifyBaseLogger
  readonly #compactAfterUpdates: number

  constructor(
    private readonly docId: string,
    private readonly doc: Y.Doc,
    private readonly position: LogPosition,
    env: {
      store: DocumentStore
      hooks: EngineHooks
      log: FastifyBaseLogger
      compactAfterUpdates: number
    },
    private readonly onSnapshot?: (snapshot: Uint8Array) => Promise<void>,
  ) {
    this.#store = env.store
    this.#hooks = env.hooks
    this.#log = env.log
    this.#compactAfterUpdates = env.compactAfterUpdates
  }

  /** Starts a compaction in the background if the log has grown past the threshold. */
  maybeCompact(): void {
    if (this.position.recordsSinceSnapshot < this.#compactAfterUpdates || this.#running) return
    this.#running = this.compact().finally(() => (this.#running = undefined))
  }

  /** Resolves when a background compaction, if any, has finished. */
  idle(): Promise<void> {
    return this.#running ?? Promise.resolve()
  }

  /** Stores a snapshot up to the contiguous mark and drops the log records it covers. */
  async compact(): Promise<void> {
    const position = this.position
    if (position.recordsSinceSnapshot === 0) return
    const records = position.recordsSinceSnapshot
    const bytes = position.bytesSinceSnapshot
    const uptoSeq = position.appliedSeq
    const snapshot = Y.encodeStateAsUpdate(this.doc)
    position.fullState = snapshot
    const version = this.onSnapshot?.(snapshot)
    try {
      await this.#store.compact(this.docId, snapshot, uptoSeq)
      position.compacted(snapshot.byteLength, records, bytes)
      this.#hooks.compacted()
    } catch (err) {
      this.#log.error({ err, docId: this.docId }, 'compaction failed; the log is kept')
    }
    await version
  }
}
