import * as Y from 'yjs'
import {
  CloseCode,
  DOCUMENT_TOO_LARGE_REASON,
  READ_ONLY_REASON,
  encodePermissionDenied,
} from '@tandem/shared'
import type { FastifyBaseLogger } from 'fastify'
import type { FanOut } from '../fanout/FanOut.js'
import type { DocumentStore } from '../storage/DocumentStore.js'
import { StoreError, StoreErrorCode } from '../storage/errors.js'
import type { EngineHooks } from './hooks.js'
import type { LogPosition } from './LogPosition.js'
import type { Relay } from './Relay.js'
import type { Session } from './Session.js'
import { isEmptyUpdate, validateUpdate, type UpdateShape } from './updateValidation.js'

/** Origin of the updates the server writes itself (a restore) when applied to a room's document. */
export const SERVER_ORIGIN = Symbol('tandem.server')

/** An update the server meant to write would take the document past its size limit. */
export class DocumentTooLargeError extends Error {
  override name = 'DocumentTooLargeError'
}

/** Told of every write committed and applied (the version history records who wrote what). */
export interface WriteObserver {
  written(session: Session, update: Uint8Array, shape: UpdateShape): void
}

/** What the pipeline needs from its room. */
export interface PipelineHost {
  readonly docId: string
  readonly doc: Y.Doc
  /** False once the room failed or closed: committed writes are no longer applied. */
  readonly applying: boolean
  /** A committed update threw while applying: the room must be dropped and reloaded. */
  poisoned(author: Session | undefined, seq: number, error: unknown, update: Uint8Array): void
}

/**
 * The path of a write: append to the store, and only once it is durable apply it to the room's
 * document, acknowledge it to its author and hand it to the relay. So the document (and every
 * sync step 2 built from it) holds committed content only. Also keeps the saved-ack ledgers: a
 * sync message that is not a write is acknowledged as soon as nothing before it is pending.
 */
export class CommitPipeline {
  #pendingWrites = 0
  #drained: (() => void)[] = []

  readonly #store: DocumentStore
  readonly #hooks: EngineHooks
  readonly #log: FastifyBaseLogger
  readonly #maxDocumentBytes: number
  readonly #fanout: FanOut

  constructor(
    private readonly host: PipelineHost,
    private readonly position: LogPosition,
    private readonly relay: Relay,
    env: {
      store: DocumentStore
      fanout: FanOut
      hooks: EngineHooks
      log: FastifyBaseLogger
      maxDocumentBytes: number
    },
    private readonly observer?: WriteObserver,
  ) {
    this.#store = env.store
    this.#fanout = env.fanout
    this.#hooks = env.hooks
    this.#log = env.log
    this.#maxDocumentBytes = env.maxDocumentBytes
  }

  /** Numbers a sync message from `session` for its saved-ack (0 when it did not opt in). */
  received(session: Session): number {
    return session.acks?.received() ?? 0
  }

  /** Acknowledges whatever of `session`'s messages is now covered (a non-write was handled). */
  settled(session: Session): void {
    session.sendAck(session.acks?.advance())
  }

  /**
   * A write from `session` (a sync step 2 or update): the empty update is only counted; anything
   * else must be a valid Yjs V1 update (else it throws, and the connection closes as malformed),
   * from an edit link, within the size cap — or it is refused, told once, and dropped.
   */
  submit(session: Session, update: Uint8Array): void {
    const n = this.received(session)
    if (isEmptyUpdate(update)) return this.settled(session)
    const shape = validateUpdate(update)
    if (!shape) throw new Error('invalid update')
    if (session.role !== 'edit') return this.#refuse(session, READ_ONLY_REASON)
    if (this.position.sizeBytes + update.byteLength > this.#maxDocumentBytes) {
      return this.#refuse(session, DOCUMENT_TOO_LARGE_REASON)
    }
    this.#write(session, update, n, shape)
  }

  /** Not applied, not stored, not relayed; the client is told once per reason. */
  #refuse(session: Session, reason: string): void {
    this.#hooks.refusedWrite(reason)
    if (session.firstRefusal(reason)) session.send(encodePermissionDenied(reason))
    this.settled(session)
  }

  /** Commits `update`, sync message `n` of `session`; then applies, acknowledges and relays it. */
  #write(session: Session, update: Uint8Array, n: number, shape: UpdateShape): void {
    session.acks?.pending(n)
    this.#append(update).then(
      (seq) => this.#committed(session, update, seq, n, shape),
      (err: unknown) => {
        this.#log.error({ err, docId: this.host.docId }, 'commit failed; closing the writer')
        // Nothing of this write was stored: the client keeps it and resends after reconnecting.
        session.close(CloseCode.storageFailure)
      },
    )
  }

  /** Appends `update` to the store, keeping the room's size and pending-write counts. */
  #append(update: Uint8Array): Promise<number> {
    this.#pendingWrites++
    const position = this.position
    position.sizeBytes += update.byteLength
    position.pendingBytes += update.byteLength
    return this.#store.append(this.host.docId, update).then(
      (seq) => {
        this.#writeDone()
        position.pendingBytes -= update.byteLength
        return seq
      },
      (err: unknown) => {
        this.#writeDone()
        position.pendingBytes -= update.byteLength
        position.sizeBytes -= update.byteLength
        this.#hooks.commitFailed()
        throw err
      },
    )
  }

  #committed(
    session: Session,
    update: Uint8Array,
    seq: number,
    n: number,
    shape: UpdateShape,
  ): void {
    if (!this.host.applying) return
    if (this.position.has(seq)) {
      // Already read back from the store (another instance's news came first): only acknowledge.
      session.sendAck(session.acks?.settled(n))
      this.observer?.written(session, update, shape)
      return
    }
    try {
      Y.applyUpdate(this.host.doc, update, session)
    } catch (err) {
      this.host.poisoned(session, seq, err, update)
      return
    }
    this.position.applied(seq, update.byteLength)
    this.#hooks.counters.updatesIn++
    // The saved-ack leaves first; the relays follow once every update of this commit is applied.
    session.sendAck(session.acks?.settled(n))
    this.relay.committed(session, update, seq)
    this.observer?.written(session, update, shape)
  }

  /**
   * Commits an update the server wrote itself (a restore) exactly like a client's write: appended
   * to the store, then applied, relayed to everyone here and published to the other instances.
   * Resolves once applied. Rejects with a {@link DocumentTooLargeError} (nothing written) if it
   * would take the document past its size limit, with the store's error if the commit failed,
   * and with `unavailable` if the room stopped applying meanwhile (it was stored all the same).
   */
  async commitOwn(update: Uint8Array): Promise<void> {
    if (this.position.sizeBytes + update.byteLength > this.#maxDocumentBytes) {
      throw new DocumentTooLargeError('the document would pass its size limit')
    }
    const seq = await this.#append(update)
    if (!this.host.applying) {
      throw new StoreError(StoreErrorCode.unavailable, 'the document was unloaded meanwhile')
    }
    if (this.position.has(seq)) return
    try {
      Y.applyUpdate(this.host.doc, update, SERVER_ORIGIN)
    } catch (err) {
      this.host.poisoned(undefined, seq, err, update)
      throw err
    }
    this.position.applied(seq, update.byteLength)
    this.relay.committed(undefined, update, seq)
    // The relay publishes only its sessions' writes; after its own flush (a microtask queued
    // before this one), so other instances get this commit's updates in order.
    queueMicrotask(() =>
      this.#fanout.publish(this.host.docId, { kind: 'updates', updates: [{ seq, data: update }] }),
    )
  }

  #writeDone(): void {
    if (--this.#pendingWrites === 0) {
      const waiters = this.#drained
      this.#drained = []
      for (const resolve of waiters) resolve()
    }
  }

  /** Resolves when every write accepted so far has committed (or failed). */
  drain(): Promise<void> {
    if (this.#pendingWrites === 0) return Promise.resolve()
    return new Promise((resolve) => this.#drained.push(resolve))
  }
}
