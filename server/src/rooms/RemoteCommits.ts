import * as Y from 'yjs'
import type { FastifyBaseLogger } from 'fastify'
import type { CommittedUpdate } from '../fanout/FanOut.js'
import type { DocumentStore } from '../storage/DocumentStore.js'
import type { LogPosition } from './LogPosition.js'
import type { PipelineHost } from './CommitPipeline.js'
import type { Relay } from './Relay.js'

/** Origin of updates that other instances committed (so presence and relays can tell). */
export const REMOTE_ORIGIN = Symbol('tandem.remote')

/** How long a gap in the log may stay open before the room reads it from the store, in ms. */
const GAP_WAIT_MS = 50

/**
 * What other instances committed, applied to this room: from fan-out messages when they arrive
 * in order, and from the store when one was lost, came without its bytes, or left a gap (and
 * when the heads poll shows the store is ahead). Everything applied was committed: the store is
 * the truth, fan-out only makes it arrive sooner.
 */
export class RemoteCommits {
  #timer: NodeJS.Timeout | undefined
  #reading: Promise<void> | undefined
  #again = false

  constructor(
    private readonly host: PipelineHost,
    private readonly position: LogPosition,
    private readonly relay: Relay,
    private readonly store: DocumentStore,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Updates from a fan-out message; what is missing is read from the store shortly. */
  received(updates: readonly CommittedUpdate[]): void {
    if (!this.host.applying) return
    let missing = false
    for (const { seq, data } of updates) {
      if (this.position.has(seq)) continue
      if (!data) {
        missing = true
        continue
      }
      if (!this.#apply(seq, data)) return
    }
    if (missing) this.catchUp()
    else if (this.position.hasGap) this.#soon()
  }

  /** Reads everything after the contiguous mark from the store and applies what is new. */
  catchUp(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#reading) {
      this.#again = true
      return
    }
    this.#reading = this.#read()
      .catch((err: unknown) => {
        this.log.warn({ err, docId: this.host.docId }, 'reading missed updates failed; will retry')
      })
      .finally(() => {
        this.#reading = undefined
        if (this.#again && this.host.applying) {
          this.#again = false
          this.catchUp()
        }
      })
  }

  /** The mark this room has applied everything up to (the heads poll compares it). */
  get appliedSeq(): number {
    return this.position.appliedSeq
  }

  /** Stops a pending read. */
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #soon(): void {
    if (this.#timer || this.#reading) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (this.position.hasGap) this.catchUp()
    }, GAP_WAIT_MS)
    this.#timer.unref()
  }

  async #read(): Promise<void> {
    const stored = await this.store.readSince(this.host.docId, this.position.appliedSeq)
    if (!this.host.applying) return
    if (stored.snapshot && stored.snapshot.uptoSeq > this.position.appliedSeq) {
      // Compacted meanwhile: the snapshot holds what the log no longer does. Relay the difference.
      const before = Y.encodeStateVector(this.host.doc)
      try {
        Y.applyUpdate(this.host.doc, stored.snapshot.data, REMOTE_ORIGIN)
      } catch (err) {
        this.host.poisoned(undefined, stored.snapshot.uptoSeq, err, stored.snapshot.data)
        return
      }
      this.position.coveredUpTo(stored.snapshot.uptoSeq)
      const diff = Y.encodeStateAsUpdate(this.host.doc, before)
      this.relay.committed(undefined, diff, stored.snapshot.uptoSeq)
    }
    for (const { seq, data } of stored.updates) {
      if (!this.position.has(seq) && !this.#apply(seq, data)) return
    }
  }

  #apply(seq: number, data: Uint8Array): boolean {
    try {
      Y.applyUpdate(this.host.doc, data, REMOTE_ORIGIN)
    } catch (err) {
      this.host.poisoned(undefined, seq, err, data)
      return false
    }
    this.position.sizeBytes += data.byteLength
    this.position.applied(seq, data.byteLength)
    this.relay.committed(undefined, data, seq)
    return true
  }
}
