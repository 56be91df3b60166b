import type { FastifyBaseLogger } from 'fastify'
import { CloseCode } from '@tandem/shared'
import type { DocumentStore } from '../storage/DocumentStore.js'
import type { Metrics } from '../metrics.js'
import { Room } from './Room.js'
import type { Session } from './Session.js'

/** Options for {@link RoomManager}. */
export interface RoomManagerOptions {
  store: DocumentStore
  metrics: Metrics
  log: FastifyBaseLogger
  /** Grace period before an empty room is flushed and unloaded, in milliseconds. */
  roomIdleMs: number
  compactAfterUpdates: number
  maxDocumentBytes: number
  /** Rooms allowed in memory at once; joins that would load one more are refused with 1013. */
  maxRooms: number
  /** Interval between pings to every connection, in milliseconds. */
  heartbeatIntervalMs: number
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
  readonly #heartbeat: NodeJS.Timeout

  constructor(private readonly options: RoomManagerOptions) {
    this.#heartbeat = setInterval(() => {
      for (const room of this.#rooms.values()) for (const s of room.sessions) s.heartbeat()
    }, options.heartbeatIntervalMs)
    this.#heartbeat.unref()
  }

  /** Closes every connection that came in through one of `tokens` (a rotated link). */
  closeLinks(docId: string, tokens: readonly string[], code: CloseCode): number {
    const room = this.#rooms.get(docId)
    if (!room) return 0
    const targets = [...room.sessions].filter((s) => tokens.includes(s.token))
    for (const session of targets) session.close(code)
    return targets.length
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
    let room = this.#rooms.get(docId)
    if (!room && this.#rooms.size >= this.options.maxRooms) {
      this.options.metrics.badMessages.inc({ reason: 'too many rooms' })
      session.close(CloseCode.overloaded)
      return
    }
    if (!room) {
      room = new Room(
        docId,
        {
          store: this.options.store,
          metrics: this.options.metrics,
          log: this.options.log,
          compactAfterUpdates: this.options.compactAfterUpdates,
          maxDocumentBytes: this.options.maxDocumentBytes,
          onEmpty: (r) => this.#scheduleUnload(r),
        },
        this.#unloading.get(docId),
      )
      this.#rooms.set(docId, room)
      this.options.metrics.roomsLoaded.set(this.#rooms.size)
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
    room.addSession(session)
  }

  #scheduleUnload(room: Room): void {
    if (!this.#accepting || this.#idleTimers.has(room)) return
    if (this.#rooms.get(room.docId) !== room) return
    const delay = room.state === 'failed' ? 0 : this.options.roomIdleMs
    const timer = setTimeout(() => {
      this.#idleTimers.delete(room)
      if (room.sessions.size === 0) void this.#unload(room)
    }, delay)
    timer.unref()
    this.#idleTimers.set(room, timer)
  }

  async #unload(room: Room): Promise<void> {
    if (this.#rooms.get(room.docId) !== room) return
    this.#rooms.delete(room.docId)
    this.options.metrics.roomsLoaded.set(this.#rooms.size)
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
   * Stops accepting, commits and compacts every room, closes sockets with 1012, and terminates
   * any still open after `graceMs`.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.#accepting = false
    clearInterval(this.#heartbeat)
    for (const timer of this.#idleTimers.values()) clearTimeout(timer)
    this.#idleTimers.clear()
    const rooms = [...this.#rooms.values()]
    await Promise.all(rooms.map((room) => room.loaded.then(() => room.drainWrites())))
    const sessions = rooms.flatMap((room) => [...room.sessions])
    for (const session of sessions) session.close(CloseCode.restarting)
    await Promise.all(rooms.map((room) => this.#unload(room)))
    await Promise.all(this.#unloading.values())
    if (graceMs >= 0) await waitForClosed(sessions, graceMs)
  }
}

async function waitForClosed(sessions: Session[], graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs
  while (sessions.some((s) => !s.socketClosed) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  for (const session of sessions) if (!session.socketClosed) session.terminate()
}
