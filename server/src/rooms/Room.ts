import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import {
  CloseCode,
  DOCUMENT_TOO_LARGE_REASON,
  MessageType,
  READ_ONLY_REASON,
  SyncMessageType,
} from '@tandem/shared'
import type { FastifyBaseLogger } from 'fastify'
import type { DocumentStore } from '../storage/DocumentStore.js'
import type { Metrics } from '../metrics.js'
import { AwarenessGuard } from './AwarenessGuard.js'
import type { Session, SessionHost } from './Session.js'
import { isEmptyUpdate, isValidUpdate } from './updateValidation.js'
import { frameBinary } from './wsFrame.js'

/** What a room needs from its manager. */
export interface RoomContext {
  store: DocumentStore
  metrics: Metrics
  log: FastifyBaseLogger
  compactAfterUpdates: number
  /** Largest document, counted as stored bytes (snapshot plus log), in bytes. */
  maxDocumentBytes: number
  /** Called when the last session leaves (the manager starts the idle timer). */
  onEmpty(room: Room): void
}

/** Loading → ready, or failed; closed once unloaded. */
export type RoomState = 'loading' | 'ready' | 'failed' | 'closed'

/** Thrown inside message handling for input that cannot be decoded. */
class BadMessage extends Error {}

/**
 * One loaded document: the committed Y.Doc, awareness, and the sessions editing it. An update is
 * validated, committed to the store, and only then applied, acknowledged and relayed — so the
 * Y.Doc (and every sync step 2 built from it) holds committed content only.
 */
export class Room implements SessionHost {
  readonly doc = new Y.Doc({ gc: true })
  readonly awareness = new awarenessProtocol.Awareness(this.doc)
  readonly sessions = new Set<Session>()
  state: RoomState = 'loading'
  /** Resolves when loading finished, successfully or not. */
  readonly loaded: Promise<void>
  #appliedSeq = 0
  #sinceSnapshot = 0
  #compacting: Promise<void> | undefined
  #pendingWrites = 0
  #writesDrained: (() => void)[] = []
  /** Stored bytes: the last snapshot plus log records since, including writes in flight. */
  #sizeBytes = 0
  #bytesSinceSnapshot = 0
  #pendingBytes = 0
  readonly #presence: AwarenessGuard
  /** The whole document as one update, while nothing changed since it was encoded. */
  #fullState: Uint8Array | undefined
  /** Committed updates not yet relayed, in commit order, with the session that wrote each. */
  #outbox: { author: Session; message: Uint8Array }[] = []

  constructor(
    readonly docId: string,
    private readonly ctx: RoomContext,
    /** Resolves when any earlier instance of this document finished unloading. */
    before: Promise<void> = Promise.resolve(),
  ) {
    // The server has no presence of its own.
    this.awareness.setLocalState(null)
    this.#presence = new AwarenessGuard(ctx.metrics)
    this.awareness.on('update', this.#onAwarenessUpdate)
    this.loaded = before.then(() => this.#load())
  }

  async #load(): Promise<void> {
    try {
      const stored = await this.ctx.store.load(this.docId)
      this.ctx.metrics.documentLoads.inc()
      if (stored.snapshot) {
        // Our own encoding, checksum-verified by the store: applied without the validation pass
        // client input gets, which on a big document costs as much as the apply itself.
        try {
          Y.applyUpdate(this.doc, stored.snapshot.data)
        } catch (err) {
          // Possibly half applied, so this copy is never used: the snapshot is moved aside and the
          // load fails; the clients' retry loads what the log holds.
          await this.ctx.store.quarantineSnapshot(this.docId, 'failed to apply')
          throw err
        }
        this.#sizeBytes = stored.snapshot.data.byteLength
        this.#appliedSeq = stored.snapshot.uptoSeq
        if (stored.updates.length === 0) this.#fullState = stored.snapshot.data
      }
      const bad: number[] = []
      this.doc.transact(() => {
        for (const record of stored.updates) {
          this.#sizeBytes += record.data.byteLength
          this.#bytesSinceSnapshot += record.data.byteLength
          if (!isValidUpdate(record.data)) {
            bad.push(record.seq)
            continue
          }
          try {
            Y.applyUpdate(this.doc, record.data)
          } catch {
            bad.push(record.seq)
          }
          this.#appliedSeq = record.seq
        }
      })
      this.#sinceSnapshot = stored.updates.length
      for (const seq of bad) {
        await this.ctx.store.quarantine(this.docId, seq, 'failed to apply')
      }
      if (bad.length + stored.quarantined > 0) {
        this.ctx.log.warn(
          { docId: this.docId, failedToApply: bad.length, badChecksum: stored.quarantined },
          'quarantined stored records while loading a document',
        )
      }
    } catch (err) {
      this.ctx.log.error({ err, docId: this.docId }, 'loading document failed')
      this.state = 'failed'
      for (const session of [...this.sessions]) session.close(CloseCode.loadFailure)
      return
    }
    if (this.state !== 'loading') return
    this.state = 'ready'
    for (const session of [...this.sessions]) this.#start(session)
  }

  /** Adds a connection; it is synced once the room has loaded. */
  addSession(session: Session): void {
    if (this.state === 'failed' || this.state === 'closed') {
      session.close(this.state === 'failed' ? CloseCode.loadFailure : CloseCode.restarting)
      return
    }
    this.sessions.add(session)
    session.attach(this)
    if (this.state === 'ready') this.#start(session)
  }

  #start(session: Session): void {
    if (session.state !== 'waiting') return
    // Sync step 1: ask the client for what the server lacks (e.g. edits made offline).
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.sync)
    encoding.writeVarUint(encoder, SyncMessageType.step1)
    encoding.writeVarUint8Array(encoder, Y.encodeStateVector(this.doc))
    session.send(encoding.toUint8Array(encoder))
    const states = this.awareness.getStates()
    if (states.size > 0) {
      session.send(awarenessMessage(this.awareness, [...states.keys()]))
    }
    session.open()
  }

  removeSession(session: Session): void {
    if (!this.sessions.delete(session)) return
    const owned = this.#presence.release(session)
    if (owned.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, owned, null)
    if (this.sessions.size === 0) this.ctx.onEmpty(this)
  }

  handleMessage(session: Session, data: Uint8Array): void {
    this.ctx.metrics.hot.framesDecoded++
    try {
      const decoder = decoding.createDecoder(data)
      const type = decoding.readVarUint(decoder)
      switch (type) {
        case MessageType.sync:
          this.#handleSync(session, decoder)
          break
        case MessageType.awareness: {
          const update = this.#presence.vet(session, decoding.readVarUint8Array(decoder))
          if (update) awarenessProtocol.applyAwarenessUpdate(this.awareness, update, session)
          break
        }
        case MessageType.queryAwareness:
          session.send(awarenessMessage(this.awareness, [...this.awareness.getStates().keys()]))
          break
        default:
          throw new BadMessage(`unknown message type ${type}`)
      }
    } catch (err) {
      this.ctx.log.debug({ err, docId: this.docId }, 'closing connection after a bad message')
      session.fail(CloseCode.malformedMessage, 'malformed')
    }
  }

  #handleSync(session: Session, decoder: decoding.Decoder): void {
    const subtype = decoding.readVarUint(decoder)
    const n = session.nextSyncMessage()
    switch (subtype) {
      case SyncMessageType.step1: {
        const stateVector = decoding.readVarUint8Array(decoder)
        // A client with nothing yet (the usual join) gets the whole document: encoded once, sent
        // to every joiner until the next edit.
        const update =
          stateVector.length === 1 && stateVector[0] === 0
            ? (this.#fullState ??= Y.encodeStateAsUpdate(this.doc))
            : Y.encodeStateAsUpdate(this.doc, stateVector)
        const encoder = encoding.createEncoder()
        encoding.writeVarUint(encoder, MessageType.sync)
        encoding.writeVarUint(encoder, SyncMessageType.step2)
        encoding.writeVarUint8Array(encoder, update)
        session.send(encoding.toUint8Array(encoder))
        session.flushAck()
        break
      }
      case SyncMessageType.step2:
      case SyncMessageType.update: {
        const update = decoding.readVarUint8Array(decoder)
        if (isEmptyUpdate(update)) {
          session.flushAck()
          return
        }
        if (!isValidUpdate(update)) throw new BadMessage('invalid update')
        if (session.role !== 'edit') {
          // Not applied, not stored, not relayed; the client is told once.
          this.#refuse(session, READ_ONLY_REASON)
          return
        }
        if (this.#sizeBytes + update.byteLength > this.ctx.maxDocumentBytes) {
          this.#refuse(session, DOCUMENT_TOO_LARGE_REASON)
          return
        }
        this.#write(session, update, n)
        break
      }
      default:
        throw new BadMessage(`unknown sync message type ${subtype}`)
    }
  }

  #refuse(session: Session, reason: string): void {
    this.ctx.metrics.refusedWrites.inc({ reason })
    if (session.firstRefusal(reason)) {
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, MessageType.auth)
      encoding.writeVarUint(encoder, 0) // y-protocols auth: permission denied
      encoding.writeVarString(encoder, reason)
      session.send(encoding.toUint8Array(encoder))
    }
    session.flushAck()
  }

  #write(session: Session, update: Uint8Array, n: number): void {
    session.writePending(n)
    this.#pendingWrites++
    this.#sizeBytes += update.byteLength
    this.#pendingBytes += update.byteLength
    this.ctx.store.append(this.docId, update).then(
      (seq) => {
        this.#writeDone()
        this.#pendingBytes -= update.byteLength
        this.#committed(session, update, seq, n)
      },
      (err: unknown) => {
        this.#writeDone()
        this.#pendingBytes -= update.byteLength
        this.#sizeBytes -= update.byteLength
        this.ctx.metrics.commitFailures.inc()
        this.ctx.log.error({ err, docId: this.docId }, 'commit failed; closing the writer')
        // Nothing of this write was stored: the client keeps it and resends after reconnecting.
        session.close(CloseCode.storageFailure)
      },
    )
  }

  #committed(session: Session, update: Uint8Array, seq: number, n: number): void {
    if (this.state !== 'ready') return
    this.#fullState = undefined
    try {
      Y.applyUpdate(this.doc, update, session)
    } catch (err) {
      this.#poisoned(session, seq, err, update)
      return
    }
    this.#appliedSeq = Math.max(this.#appliedSeq, seq)
    this.#sinceSnapshot++
    this.#bytesSinceSnapshot += update.byteLength
    this.ctx.metrics.hot.updatesIn++
    // The saved-ack leaves first; the relays follow once every update of this commit is applied.
    session.writeCommitted(n)
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.sync)
    encoding.writeVarUint(encoder, SyncMessageType.update)
    encoding.writeVarUint8Array(encoder, update)
    if (this.#outbox.length === 0) queueMicrotask(this.#relayOutbox)
    this.#outbox.push({ author: session, message: encoding.toUint8Array(encoder) })
  }

  /**
   * Relays the updates committed together (a group commit resolves them in one run of microtasks)
   * framed once: every peer that wrote none of them gets the same buffer, an author gets the
   * others' updates. So a commit costs one write per peer, not one per update per peer.
   */
  #relayOutbox = (): void => {
    const outbox = this.#outbox
    this.#outbox = []
    if (this.state !== 'ready' || outbox.length === 0) return
    const all = outbox.map((entry) => entry.message)
    const framed = frameBinary(all)
    const allBytes = byteLength(all)
    const authors = new Set(outbox.map((entry) => entry.author))
    let sent = 0
    for (const other of this.sessions) {
      if (other.state !== 'open') continue
      if (!authors.has(other)) {
        other.sendFramed(framed, all, allBytes)
        sent += all.length
        continue
      }
      const theirs = outbox.filter((entry) => entry.author !== other).map((entry) => entry.message)
      if (theirs.length === 0) continue
      other.sendFramed(frameBinary(theirs), theirs, byteLength(theirs))
      sent += theirs.length
    }
    this.ctx.metrics.hot.updatesOut += sent
    // After the relays: compaction starts with a full-state encode.
    if (this.#sinceSnapshot >= this.ctx.compactAfterUpdates && !this.#compacting) {
      this.#compacting = this.compact().finally(() => (this.#compacting = undefined))
    }
  }

  /**
   * A committed update threw while applying, possibly halfway: the in-memory document can no longer
   * be trusted. Move the record aside, then drop the room (without compacting it) so everyone
   * reconnects to a fresh load of what is stored.
   */
  #poisoned(session: Session, seq: number, err: unknown, update: Uint8Array): void {
    this.ctx.log.warn(
      {
        err,
        docId: this.docId,
        seq,
        update: Buffer.from(update.subarray(0, 4096)).toString('hex'),
      },
      'committed update failed to apply; reloading the document without it',
    )
    this.state = 'failed'
    session.fail(CloseCode.malformedMessage, 'unappliable update')
    void this.ctx.store
      .quarantine(this.docId, seq, 'failed to apply')
      .catch((qErr: unknown) => this.ctx.log.error({ err: qErr }, 'quarantine failed'))
      .finally(() => {
        for (const other of [...this.sessions]) other.close(CloseCode.loadFailure)
        this.ctx.onEmpty(this)
      })
  }

  #writeDone(): void {
    if (--this.#pendingWrites === 0) {
      const waiters = this.#writesDrained
      this.#writesDrained = []
      for (const resolve of waiters) resolve()
    }
  }

  /** Resolves when every write accepted so far has committed (or failed). */
  drainWrites(): Promise<void> {
    if (this.#pendingWrites === 0) return Promise.resolve()
    return new Promise((resolve) => this.#writesDrained.push(resolve))
  }

  /** Replaces the log covered so far with a snapshot of the committed state. */
  async compact(): Promise<void> {
    if (this.state !== 'ready' || this.#sinceSnapshot === 0) return
    const covered = this.#sinceSnapshot
    const coveredBytes = this.#bytesSinceSnapshot
    const uptoSeq = this.#appliedSeq
    const snapshot = Y.encodeStateAsUpdate(this.doc)
    this.#fullState = snapshot
    try {
      await this.ctx.store.compact(this.docId, snapshot, uptoSeq)
      this.#sinceSnapshot -= covered
      this.#bytesSinceSnapshot -= coveredBytes
      // What is stored now: the snapshot, the log since it, and writes still in flight.
      this.#sizeBytes = snapshot.byteLength + this.#bytesSinceSnapshot + this.#pendingBytes
      this.ctx.metrics.compactions.inc()
    } catch (err) {
      this.ctx.log.error({ err, docId: this.docId }, 'compaction failed; the log is kept')
    }
  }

  /** Flushes and compacts, then releases memory. Sessions must already be gone or closing. */
  async unload(): Promise<void> {
    await this.drainWrites()
    await this.#compacting
    // A failed room's document is not trusted: what is stored stays as it is.
    if (this.state === 'ready') await this.compact()
    this.state = 'closed'
    this.awareness.off('update', this.#onAwarenessUpdate)
    this.awareness.destroy()
    this.doc.destroy()
  }

  #onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    _origin: unknown,
  ): void => {
    const changed = [...added, ...updated, ...removed]
    if (changed.length === 0) return
    // Echoed to the sender too: a lone client must keep hearing from the server.
    const message = [awarenessMessage(this.awareness, changed)]
    const framed = frameBinary(message)
    const bytes = byteLength(message)
    for (const other of this.sessions) {
      if (other.state === 'open') other.sendFramed(framed, message, bytes)
    }
  }
}

function byteLength(messages: readonly Uint8Array[]): number {
  let total = 0
  for (const message of messages) total += message.byteLength
  return total
}

function awarenessMessage(awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.awareness)
  encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, clients))
  return encoding.toUint8Array(encoder)
}
