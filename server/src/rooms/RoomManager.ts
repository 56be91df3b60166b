import { performance } from 'node:perf_hooks'
import type { FastifyBaseLogger } from 'fastify'
import { CloseCode } from '@tandem/shared'
import type { FanOut } from '../fanout/FanOut.js'
import type { DocumentStore, LinkGrant } from '../storage/DocumentStore.js'
import type { EngineHooks, TextIndexing } from './hooks.js'
import { StoreError, StoreErrorCode } from '../storage/errors.js'
import { Room } from './Room.js'
import type { Session } from './Session.js'

/**
 * How often the links of open connections are checked against the store, in milliseconds: a
 * revocation travels on the fan-out, which may lose it (a broker outage, a dropped message), so
 * each instance also asks the store now and then. Every second while the fan-out is unhealthy,
 * and at once when it recovers. Only where other instances share the store (heads polling on).
 */
const LINK_CHECK_MS = 10_000
const LINK_CHECK_UNHEALTHY_MS = 1_000

/** Options for {@link RoomManager}. */
export interface RoomManagerOptions {
  store: DocumentStore
  fanout: FanOut
  hooks: EngineHooks
  log: FastifyBaseLogger
  /** Grace period before an empty room is flushed and unloaded, in milliseconds. */
  roomIdleMs: number
  compactAfterUpdates: number
  maxDocumentBytes: number
  /** Rooms allowed in memory at once; joins that would load one more are refused with 1013. */
  maxRooms: number
  /**
   * How often to compare loaded rooms with the store's heads when other instances write to the
   * same store, in milliseconds (a quarter of it while the fan-out is unhealthy); 0 turns it off.
   */
  headsPollMs?: number
  /** The search index rooms report their changes to, if any. */
  indexing?: TextIndexing
}

/**
 * Owns the loaded rooms: loads each document once however many join at the same moment, unloads
 * empty rooms after a grace period, and drains everything on shutdown.
 */
export class RoomManager {
  readonly #rooms = new Map<string, Room>()
  readonly #idleTimers = new Map<Room, NodeJS.Timeout>()
  /** Unloads in progress, so a re-join waits for the final compaction before loading. */
  readonly #unloading = new Map<string, Promise<void>>()
  #accepting = true
  #pollTimer: NodeJS.Timeout | undefined
  #fanoutWasHealthy = true
  /** The links of the sessions in loaded rooms, by token (see {@link grantInUse}). */
  readonly #grants = new Map<string, LinkGrant>()
  readonly #tokensOf = new Map<string, Set<string>>()
  /** Rooms held loaded by server-side work ({@link use}), with how many holders. */
  readonly #holders = new Map<Room, number>()
  #linksCheckedAt = performance.now()
  #checkingLinks = false

  constructor(private readonly options: RoomManagerOptions) {
    if (options.headsPollMs) this.#schedulePoll()
  }

  /**
   * Catches what fan-out lost: a lost last message, or everything while the broker is down. One
   * indexed read for all loaded rooms; a room behind its head reads the rest from the store, and a
   * document that is gone (deleted elsewhere) closes its connections.
   */
  #schedulePoll(): void {
    const every = this.options.headsPollMs ?? 0
    const delay = this.options.fanout.healthy ? every : Math.max(50, Math.floor(every / 4))
    this.#pollTimer = setTimeout(() => {
      void this.#pollHeads().finally(() => {
        if (this.#accepting) this.#schedulePoll()
      })
    }, delay)
    this.#pollTimer.unref()
  }

  async #pollHeads(): Promise<void> {
    const rooms = [...this.#rooms.values()].filter((room) => room.state === 'ready')
    const healthy = this.options.fanout.healthy
    const recovered = healthy && !this.#fanoutWasHealthy
    if (recovered) {
      // Back from a broker outage: others may have dropped this instance's people, and this one
      // may have missed theirs.
      for (const room of rooms) room.refreshPresence()
    }
    this.#fanoutWasHealthy = healthy
    if (rooms.length === 0) return
    const sinceLinkCheck = performance.now() - this.#linksCheckedAt
    if (recovered || sinceLinkCheck >= (healthy ? LINK_CHECK_MS : LINK_CHECK_UNHEALTHY_MS)) {
      void this.#checkLinks()
    }
    let heads: Map<string, number>
    try {
      heads = await this.options.store.heads(rooms.map((room) => room.docId))
    } catch (err) {
      this.options.log.debug({ err }, 'polling document heads failed')
      return
    }
    for (const room of rooms) {
      const head = heads.get(room.docId)
      if (head === undefined) room.receive({ kind: 'deleted' }, 'store')
      else room.behind(head)
    }
  }

  /**
   * Asks the store about every link in use here and closes the connections of those that no
   * longer open their document (revoked on another instance, its message lost). A store that
   * cannot be reached proves nothing: the next check asks again.
   */
  async #checkLinks(): Promise<void> {
    if (this.#checkingLinks) return
    this.#checkingLinks = true
    this.#linksCheckedAt = performance.now()
    try {
      // One at a time: a check never takes the store's connections from the people editing.
      for (const grant of [...this.#grants.values()]) {
        const current = await this.options.store.resolveLink(grant.token)
        if (current && current.docId === grant.docId && current.role === grant.role) continue
        if (this.#grants.get(grant.token) !== grant) continue
        this.#grants.delete(grant.token)
        const closed = this.#rooms.get(grant.docId)?.closeLinks([grant.token], CloseCode.forbidden)
        this.options.log.info(
          { closed },
          'a link in use was revoked elsewhere; closed its connections',
        )
      }
    } catch (err) {
      this.options.log.debug({ err }, 'checking the links in use failed')
    } finally {
      this.#checkingLinks = false
    }
  }

  /**
   * Closes every connection that came in through one of `tokens` (a rotated link), here and on
   * every other instance. Returns how many closed here.
   */
  closeLinks(docId: string, tokens: readonly string[], code: CloseCode): number {
    this.options.fanout.publish(docId, { kind: 'links-revoked', tokens: [...tokens] })
    return this.#rooms.get(docId)?.closeLinks(tokens, code) ?? 0
  }

  /**
   * What `token` granted to a session of a room loaded here, if any: lets people keep opening a
   * loaded document while the store is unreachable. Forgotten when the room unloads or the link
   * is revoked.
   */
  grantInUse(token: string): LinkGrant | undefined {
    const grant = this.#grants.get(token)
    return grant && this.#rooms.get(grant.docId)?.state === 'ready' ? grant : undefined
  }

  /** False once shutdown began; new connections are refused with 1012. */
  get accepting(): boolean {
    return this.#accepting
  }

  /** Number of rooms in memory. */
  get size(): number {
    return this.#rooms.size
  }

  /** The loaded room of a document, if any (tests and admin tools). */
  get(docId: string): Room | undefined {
    return this.#rooms.get(docId)
  }

  /** Puts a session into its document's room, loading the room on first use. */
  join(docId: string, session: Session): void {
    if (!this.#accepting) {
      session.close(CloseCode.restarting)
      return
    }
    const room = this.#roomFor(docId)
    if (!room) {
      this.options.hooks.badMessage('too many rooms')
      session.close(CloseCode.overloaded)
      return
    }
    if (!this.#grants.has(session.token)) {
      this.#grants.set(session.token, { token: session.token, docId, role: session.role })
      let tokens = this.#tokensOf.get(docId)
      if (!tokens) this.#tokensOf.set(docId, (tokens = new Set()))
      tokens.add(session.token)
    }
    room.addSession(session)
  }

  /**
   * Runs `fn` on the document's loaded room, loading it first if needed, and keeps the room
   * loaded until `fn` settles (server-side work such as saving or restoring a version). Rejects
   * with a StoreError `unavailable` while shutting down, when too many rooms are loaded, or when
   * the document cannot be loaded.
   */
  async use<T>(docId: string, fn: (room: Room) => T | Promise<T>): Promise<T> {
    const room = this.#accepting ? this.#roomFor(docId) : undefined
    if (!room) throw new StoreError(StoreErrorCode.unavailable, 'no room for this document now')
    this.#holders.set(room, (this.#holders.get(room) ?? 0) + 1)
    try {
      await room.loaded
      if (room.state !== 'ready') {
        throw new StoreError(StoreErrorCode.unavailable, 'the document could not be loaded')
      }
      return await fn(room)
    } finally {
      const left = (this.#holders.get(room) ?? 1) - 1
      if (left > 0) this.#holders.set(room, left)
      else this.#holders.delete(room)
      if (left === 0 && room.sessions.size === 0) this.#scheduleUnload(room)
    }
  }

  /** The document's room, created (loading) if needed; undefined when no more may be loaded. */
  #roomFor(docId: string): Room | undefined {
    let room = this.#rooms.get(docId)
    if (!room && this.#rooms.size >= this.options.maxRooms) return undefined
    if (!room) {
      room = new Room(
        docId,
        {
          store: this.options.store,
          fanout: this.options.fanout,
          hooks: this.options.hooks,
          log: this.options.log,
          compactAfterUpdates: this.options.compactAfterUpdates,
          maxDocumentBytes: this.options.maxDocumentBytes,
          onEmpty: (r) => this.#scheduleUnload(r),
          linksRevoked: (tokens) => {
            for (const token of tokens) this.#grants.delete(token)
          },
          indexing: this.options.indexing,
        },
        this.#unloading.get(docId),
      )
      this.#rooms.set(docId, room)
      this.options.hooks.roomsLoaded(this.#rooms.size)
      // A room whose load failed has closed its sessions; make sure it does not linger.
      void room.loaded.then(() => {
        if (room?.state === 'failed') this.#scheduleUnload(room)
      })
    }
    const timer = this.#idleTimers.get(room)
    if (timer) {
      clearTimeout(timer)
      this.#idleTimers.delete(room)
    }
    return room
  }

  #scheduleUnload(room: Room): void {
    if (!this.#accepting || this.#idleTimers.has(room)) return
    if (this.#rooms.get(room.docId) !== room) return
    const delay = room.state === 'failed' ? 0 : this.options.roomIdleMs
    const timer = setTimeout(() => {
      this.#idleTimers.delete(room)
      if (room.sessions.size === 0 && !this.#holders.has(room)) void this.#unload(room)
    }, delay)
    timer.unref()
    this.#idleTimers.set(room, timer)
  }

  async #unload(room: Room): Promise<void> {
    if (this.#rooms.get(room.docId) !== room) return
    this.#rooms.delete(room.docId)
    for (const token of this.#tokensOf.get(room.docId) ?? []) this.#grants.delete(token)
    this.#tokensOf.delete(room.docId)
    this.options.hooks.roomsLoaded(this.#rooms.size)
    const done = room.loaded
      .then(() => room.unload())
      .catch((err: unknown) => {
        this.options.log.error({ err, docId: room.docId }, 'unloading a room failed')
      })
      .finally(() => {
        if (this.#unloading.get(room.docId) === done) this.#unloading.delete(room.docId)
      })
    this.#unloading.set(room.docId, done)
    await done
  }

  /**
   * Stops accepting, commits and compacts every room, and closes every session with 1012 (the
   * transport then waits for the sockets to finish closing).
   */
  async shutdown(): Promise<void> {
    this.#accepting = false
    clearTimeout(this.#pollTimer)
    for (const timer of this.#idleTimers.values()) clearTimeout(timer)
    this.#idleTimers.clear()
    const rooms = [...this.#rooms.values()]
    await Promise.all(rooms.map((room) => room.loaded.then(() => room.drainWrites())))
    for (const room of rooms)
      for (const session of [...room.sessions]) session.close(CloseCode.restarting)
    await Promise.all(rooms.map((room) => this.#unload(room)))
    await Promise.all(this.#unloading.values())
  }
}
