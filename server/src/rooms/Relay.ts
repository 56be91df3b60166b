import { encodeAwareness, encodeSyncUpdate } from '@tandem/shared'
import type { FanOut, CommittedUpdate } from '../fanout/FanOut.js'
import { OutboundBatch } from './Connection.js'
import type { EngineHooks } from './hooks.js'
import type { Session } from './Session.js'

/** What the relay needs from its room. */
export interface RelayHost {
  readonly docId: string
  readonly sessions: ReadonlySet<Session>
  /** False once the room failed or closed: nothing more is relayed. */
  readonly relaying: boolean
  /** Runs after each relay (the room checks whether to compact). */
  afterRelay(): void
}

interface Entry {
  /** The session that wrote it; undefined for updates from other instances. */
  author: Session | undefined
  message: Uint8Array
}

/**
 * Sends committed updates and presence to everyone in a room, and committed updates of this
 * instance to the others through the fan-out. Updates committed together (a group commit resolves
 * them in one run of microtasks) are batched: every peer that wrote none of them gets the same
 * framed bytes, an author gets the others' updates, so a commit costs one write per peer.
 */
export class Relay {
  #outbox: Entry[] = []
  #published: CommittedUpdate[] = []

  constructor(
    private readonly host: RelayHost,
    private readonly hooks: EngineHooks,
    private readonly fanout: FanOut,
  ) {}

  /** Queues a committed update for every session but its author (and other instances, if local). */
  committed(author: Session | undefined, update: Uint8Array, seq: number): void {
    if (this.#outbox.length === 0) queueMicrotask(this.#flush)
    this.#outbox.push({ author, message: encodeSyncUpdate(update) })
    if (author) this.#published.push({ seq, data: update })
  }

  #flush = (): void => {
    const outbox = this.#outbox
    const published = this.#published
    this.#outbox = []
    this.#published = []
    if (!this.host.relaying || outbox.length === 0) return
    // Other instances first: they have no saved-acks waiting, only people.
    if (published.length > 0)
      this.fanout.publish(this.host.docId, { kind: 'updates', updates: published })
    const all = new OutboundBatch(outbox.map((entry) => entry.message))
    const authors = new Set<Session>()
    for (const entry of outbox) if (entry.author) authors.add(entry.author)
    let sent = 0
    for (const session of this.host.sessions) {
      if (session.state !== 'open') continue
      if (!authors.has(session)) {
        session.sendBatch(all)
        sent += all.messages.length
        continue
      }
      const theirs = outbox.filter((entry) => entry.author !== session).map((e) => e.message)
      if (theirs.length === 0) continue
      session.sendBatch(new OutboundBatch(theirs))
      sent += theirs.length
    }
    this.hooks.counters.updatesOut += sent
    this.host.afterRelay()
  }

  /**
   * Sends an awareness update to every open session, the sender included (a lone client must keep
   * hearing from the server), and to other instances when it came from this one.
   */
  awareness(update: Uint8Array, fromHere: boolean): void {
    if (!this.host.relaying) return
    if (fromHere) this.fanout.publish(this.host.docId, { kind: 'awareness', update })
    const batch = new OutboundBatch([encodeAwareness(update)])
    for (const session of this.host.sessions) {
      if (session.state === 'open') session.sendBatch(batch)
    }
  }
}
