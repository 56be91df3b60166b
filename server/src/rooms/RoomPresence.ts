import type * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import { decodeAwarenessUpdate, encodeAwareness } from '@tandem/shared'
import type { FanOut } from '../fanout/FanOut.js'
import type { EngineHooks } from './hooks.js'
import { PresenceGuard } from './PresenceGuard.js'
import type { Relay } from './Relay.js'
import { REMOTE_ORIGIN } from './RemoteCommits.js'
import type { Session } from './Session.js'

/**
 * Who is in a document and where their carets are: the room's awareness, filled by its own
 * sessions through the {@link PresenceGuard} and by other instances through the fan-out. Knows
 * which instance published which client ids, so an instance that stops takes its people's carets
 * with it, and a room that loads elsewhere can be told who is here.
 */
export class RoomPresence {
  readonly #awareness: awarenessProtocol.Awareness
  readonly #guard: PresenceGuard
  readonly #byInstance = new Map<string, Set<number>>()

  constructor(
    private readonly docId: string,
    doc: Y.Doc,
    hooks: EngineHooks,
    private readonly relay: Relay,
    private readonly fanout: FanOut,
    /** Told after a session's presence was vetted and applied (authors follow renames). */
    private readonly onVetted?: (session: Session) => void,
  ) {
    this.#awareness = new awarenessProtocol.Awareness(doc)
    // The server has no presence of its own.
    this.#awareness.setLocalState(null)
    this.#guard = new PresenceGuard(hooks)
    this.#awareness.on('update', this.#onUpdate)
  }

  /** An awareness message's update from a session: vetted, applied, relayed. */
  fromSession(session: Session, update: Uint8Array): void {
    const vetted = this.#guard.vet(session, update, (id) => this.#awareness.meta.get(id)?.clock)
    if (!vetted) return
    awarenessProtocol.applyAwarenessUpdate(this.#awareness, vetted, session)
    this.onVetted?.(session)
  }

  /** The awareness ids `session` owns now. */
  ownedBy(session: Session): number[] {
    return this.#guard.ownedBy(session)
  }

  /**
   * Whether `session` owns the awareness id `clientId`, and the `user` field of its vetted
   * presence: the state of `clientId` if it owns that id, else of the first id it owns that has
   * one (undefined when it has none).
   */
  identity(session: Session, clientId: number): { owns: boolean; user: unknown } {
    const owned = this.#guard.ownedBy(session)
    const owns = owned.includes(clientId)
    const states = this.#awareness.getStates()
    const userOf = (id: number): unknown => (states.get(id) as { user?: unknown } | undefined)?.user
    if (owns && userOf(clientId) !== undefined) return { owns, user: userOf(clientId) }
    const other = owned.find((id) => userOf(id) !== undefined)
    return { owns, user: other === undefined ? undefined : userOf(other) }
  }

  /** A session left: the presence it owned goes for everyone. */
  left(session: Session): void {
    const owned = this.#guard.release(session)
    if (owned.length > 0) awarenessProtocol.removeAwarenessStates(this.#awareness, owned, null)
  }

  /**
   * Everyone's presence as one awareness message; undefined when nobody has any, unless
   * `evenIfEmpty` (an answer to query-awareness is sent either way).
   */
  everyone(evenIfEmpty = false): Uint8Array | undefined {
    const ids = [...this.#awareness.getStates().keys()]
    if (ids.length === 0 && !evenIfEmpty) return undefined
    return encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.#awareness, ids))
  }

  /** An awareness update (vetted there) from instance `from`. */
  fromInstance(update: Uint8Array, from: string): void {
    let ids = this.#byInstance.get(from)
    for (const entry of decodeAwarenessUpdate(update)) {
      if (entry.json === 'null') {
        ids?.delete(entry.clientId)
      } else {
        if (!ids) this.#byInstance.set(from, (ids = new Set()))
        ids.add(entry.clientId)
      }
    }
    awarenessProtocol.applyAwarenessUpdate(this.#awareness, update, REMOTE_ORIGIN)
  }

  /** Instance `instance` stopped or fell silent: its people leave. */
  instanceGone(instance: string): void {
    const ids = this.#byInstance.get(instance)
    this.#byInstance.delete(instance)
    if (ids && ids.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.#awareness, [...ids], REMOTE_ORIGIN)
    }
  }

  /** Another instance loaded the document: tell it who is here. */
  answerQuery(): void {
    const remote = new Set<number>()
    for (const ids of this.#byInstance.values()) for (const id of ids) remote.add(id)
    const local = [...this.#awareness.getStates().keys()].filter((id) => !remote.has(id))
    if (local.length === 0) return
    const update = awarenessProtocol.encodeAwarenessUpdate(this.#awareness, local)
    this.fanout.publish(this.docId, { kind: 'awareness', update })
  }

  destroy(): void {
    this.#awareness.off('update', this.#onUpdate)
    this.#awareness.destroy()
  }

  #onUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const changed = [...added, ...updated, ...removed]
    if (changed.length === 0) return
    const update = awarenessProtocol.encodeAwarenessUpdate(this.#awareness, changed)
    // Published to other instances only when it is news from here (not theirs, not a timeout).
    this.relay.awareness(update, origin !== REMOTE_ORIGIN && origin !== 'timeout')
  }
}
