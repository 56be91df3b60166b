import * as Y from 'yjs'
import {
  CloseCode,
  decodeMessage,
  encodeSyncStep1,
  encodeSyncStep2,
  type Message,
} from '@tandem/shared'
import type { FastifyBaseLogger } from 'fastify'
import type { FanOut, FanOutEvent, FanOutSubscriber, Subscription } from '../fanout/FanOut.js'
import type { DocumentStore } from '../storage/DocumentStore.js'
import { CommitPipeline, type PipelineHost } from './CommitPipeline.js'
import { Compactor } from './Compactor.js'
import type { EngineHooks, TextIndexing } from './hooks.js'
import { loadDocument } from './loadDocument.js'
import { LogPosition } from './LogPosition.js'
import { Relay, type RelayHost } from './Relay.js'
import { RemoteCommits } from './RemoteCommits.js'
import { RoomPresence } from './RoomPresence.js'
import type { Session, SessionHost } from './Session.js'
import { versionSettingsOf } from './versions/settings.js'
import { VersionKeeper } from './versions/VersionKeeper.js'

/** What a room needs from its manager. */
export interface RoomContext {
  store: DocumentStore
  fanout: FanOut
  hooks: EngineHooks
  log: FastifyBaseLogger
  compactAfterUpdates: number
  /** Largest document, counted as stored bytes (snapshot plus log), in bytes. */
  maxDocumentBytes: number
  /** Called when the last session leaves, or the room failed (the manager unloads it). */
  onEmpty(room: Room): void
  /** These link tokens stopped working (here or on another instance). */
  linksRevoked?(tokens: readonly string[]): void
  /** The search index, told of every committed change once the room is loaded. */
  indexing?: TextIndexing
}

/** Loading → ready, or failed; closed once unloaded. */
export type RoomState = 'loading' | 'ready' | 'failed' | 'closed'

/**
 * One loaded document: its committed Y.Doc, presence, and the sessions in it. Messages are decoded
 * here and handed to the part that owns them: writes to the commit pipeline, presence to the
 * guard, and what was committed or vetted to the relay.
 */
export class Room implements SessionHost, PipelineHost, RelayHost, FanOutSubscriber {
  readonly doc = new Y.Doc({ gc: true })
  readonly sessions = new Set<Session>()
  state: RoomState = 'loading'
  /** Resolves when loading finished, successfully or not. */
  readonly loaded: Promise<void>
  readonly #position = new LogPosition()
  readonly #presence: RoomPresence
  readonly #relay: Relay
  readonly #pipeline: CommitPipeline
  readonly #compactor: Compactor
  readonly #remote: RemoteCommits
  readonly #subscription: Subscription
  /** The document's version history: saves, restores, who wrote what. */
  readonly versions: VersionKeeper
  /** Events from other instances that arrived while loading; applied once loaded. */
  #early: [FanOutEvent, string][] | undefined = []

  constructor(
    readonly docId: string,
    private readonly ctx: RoomContext,
    /** Resolves when any earlier instance of this document finished unloading. */
    before: Promise<void> = Promise.resolve(),
  ) {
    this.#relay = new Relay(this, ctx.hooks, ctx.fanout)
    this.#presence = new RoomPresence(docId, this.doc, ctx.hooks, this.#relay, ctx.fanout, (s) =>
      this.versions.presenceChanged(s),
    )
    const host = { docId, doc: this.doc, commitOwn: (u: Uint8Array) => this.#pipeline.commitOwn(u) }
    const settings = versionSettingsOf(ctx.store)
    this.versions = new VersionKeeper(host, ctx.store, ctx.log, settings, this.#presence)
    this.#pipeline = new CommitPipeline(this, this.#position, this.#relay, ctx, this.versions)
    this.#compactor = new Compactor(docId, this.doc, this.#position, ctx, (snapshot) =>
      this.versions.compacted(snapshot),
    )
    this.#remote = new RemoteCommits(this, this.#position, this.#relay, ctx.store, ctx.log)
    // Subscribed before reading the store, so nothing committed elsewhere falls in between.
    this.#subscription = ctx.fanout.subscribe(docId, this)
    this.loaded = before.then(() => this.#subscription.ready).then(() => this.#load())
  }

  get applying(): boolean {
    return this.state === 'ready'
  }

  get relaying(): boolean {
    return this.state === 'ready'
  }

  async #load(): Promise<void> {
    try {
      this.#position.start(await loadDocument(this.ctx.store, this.docId, this.doc, this.ctx.log))
      this.ctx.hooks.documentLoaded()
    } catch (err) {
      this.ctx.log.error({ err, docId: this.docId }, 'loading document failed')
      this.state = 'failed'
      for (const session of [...this.sessions]) session.close(CloseCode.loadFailure)
      return
    }
    if (this.state !== 'loading') return
    this.state = 'ready'
    const indexing = this.ctx.indexing
    if (indexing) {
      // A transaction that changed nothing (a duplicate update) is not a change to index.
      this.doc.on('afterTransaction', (tr: Y.Transaction) => {
        if (tr.changed.size > 0) indexing.changed(this.docId, this.doc)
      })
    }
    // What the read already covered is skipped by seq; presence simply applies again.
    const early = this.#early ?? []
    this.#early = undefined
    for (const [event, from] of early) this.receive(event, from)
    this.ctx.fanout.publish(this.docId, { kind: 'awareness-query' })
    for (const session of [...this.sessions]) this.#start(session)
  }

  /** Adds a session; it is synced once the room has loaded. */
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
    session.send(encodeSyncStep1(Y.encodeStateVector(this.doc)))
    const everyone = this.#presence.everyone()
    if (everyone) session.send(everyone)
    session.open()
  }

  removeSession(session: Session): void {
    if (!this.sessions.delete(session)) return
    this.#presence.left(session)
    if (this.sessions.size === 0) this.ctx.onEmpty(this)
  }

  handleMessage(session: Session, data: Uint8Array): void {
    this.ctx.hooks.counters.framesDecoded++
    try {
      this.#handle(session, decodeMessage(data))
    } catch (err) {
      this.ctx.log.debug({ err, docId: this.docId }, 'closing connection after a bad message')
      session.fail(CloseCode.malformedMessage, 'malformed')
    }
  }

  #handle(session: Session, message: Message): void {
    switch (message.type) {
      case 'sync-step1': {
        this.#pipeline.received(session)
        // A client with nothing yet (the usual join) gets the whole document: encoded once, sent
        // to every joiner until the next edit.
        const sv = message.stateVector
        const update =
          sv.length === 1 && sv[0] === 0
            ? (this.#position.fullState ??= Y.encodeStateAsUpdate(this.doc))
            : Y.encodeStateAsUpdate(this.doc, sv)
        session.send(encodeSyncStep2(update))
        this.#pipeline.settled(session)
        return
      }
      case 'sync-step2':
      case 'sync-update':
        this.#pipeline.submit(session, message.update)
        return
      case 'awareness':
        this.#presence.fromSession(session, message.update)
        return
      case 'query-awareness':
        session.send(this.#presence.everyone(true) as Uint8Array)
        return
      case 'permission-denied':
      case 'saved':
        // Server-to-client messages: a client has no business sending them.
        throw new Error(`unexpected ${message.type} from a client`)
    }
  }

  /** An event from another instance. */
  receive(event: FanOutEvent, from: string): void {
    if (this.state === 'loading') {
      this.#early?.push([event, from])
      return
    }
    if (this.state !== 'ready') return
    switch (event.kind) {
      case 'updates':
        this.#remote.received(event.updates)
        return
      case 'awareness':
        this.#presence.fromInstance(event.update, from)
        return
      case 'awareness-query':
        this.#presence.answerQuery()
        return
      case 'links-revoked':
        this.closeLinks(event.tokens, CloseCode.forbidden)
        return
      case 'deleted':
        for (const session of [...this.sessions]) session.close(CloseCode.unknownDocument)
        return
    }
  }

  instanceGone(instance: string): void {
    if (this.state === 'ready') this.#presence.instanceGone(instance)
  }

  /** Tells other instances who is here and asks who is there (after a fan-out outage). */
  refreshPresence(): void {
    if (this.state !== 'ready') return
    this.#presence.answerQuery()
    this.ctx.fanout.publish(this.docId, { kind: 'awareness-query' })
  }

  /** The store is ahead of this room (the heads poll saw `head`): read what was missed. */
  behind(head: number): void {
    if (this.state === 'ready' && head > this.#remote.appliedSeq) this.#remote.catchUp()
  }

  /** Closes every session that came in through one of `tokens`; returns how many. */
  closeLinks(tokens: readonly string[], code: CloseCode): number {
    this.ctx.linksRevoked?.(tokens)
    const targets = [...this.sessions].filter((s) => tokens.includes(s.token))
    for (const session of targets) session.close(code)
    return targets.length
  }

  afterRelay(): void {
    // After the relays: compaction starts with a full-state encode.
    this.#compactor.maybeCompact()
  }

  /**
   * A committed update threw while applying, possibly halfway: the in-memory document can no longer
   * be trusted. Move the record aside, then drop the room (without compacting it) so everyone
   * reconnects to a fresh load of what is stored.
   */
  poisoned(author: Session | undefined, seq: number, err: unknown, update: Uint8Array): void {
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
    author?.fail(CloseCode.malformedMessage, 'unappliable update')
    void this.ctx.store
      .quarantine(this.docId, seq, 'failed to apply')
      .catch((qErr: unknown) => this.ctx.log.error({ err: qErr }, 'quarantine failed'))
      .finally(() => {
        for (const other of [...this.sessions]) other.close(CloseCode.loadFailure)
        this.ctx.onEmpty(this)
      })
  }

  /** Resolves when every write accepted so far has committed (or failed). */
  drainWrites(): Promise<void> {
    return this.#pipeline.drain()
  }

  /** Replaces the log covered so far with a snapshot of the committed state. */
  async compact(): Promise<void> {
    if (this.state === 'ready') await this.#compactor.compact()
  }

  /** Flushes and compacts, then releases memory. Sessions must already be gone or closing. */
  async unload(): Promise<void> {
    this.#subscription.close()
    this.#remote.stop()
    await this.drainWrites()
    await this.#compactor.idle()
    // A failed room's document is not trusted: what is stored stays as it is.
    await this.compact()
    await this.versions.close(this.state === 'ready')
    if (this.state === 'ready') this.ctx.indexing?.unloading(this.docId, this.doc)
    this.state = 'closed'
    this.#presence.destroy()
    this.doc.destroy()
  }
}
