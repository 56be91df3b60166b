import * as awarenessProtocol from 'y-protocols/awareness'
import { decodeAwarenessUpdate } from '@tandem/shared'
import type { FanOut } from '../fanout/FanOut.js'
import { REMOTE_ORIGIN } from './RemoteCommits.js'

/**
 * Presence that arrived from other instances: which instance published which client ids, so that
 * an instance that stops takes its people's carets with it, and so that this instance can answer
 * a newly loaded room elsewhere with the presence of its own people.
 */
export class RemotePresence {
  readonly #byInstance = new Map<string, Set<number>>()

  constructor(
    private readonly docId: string,
    private readonly awareness: awarenessProtocol.Awareness,
    private readonly fanout: FanOut,
  ) {}

  /** An awareness update (already vetted there) from instance `from`. */
  received(update: Uint8Array, from: string): void {
    let ids = this.#byInstance.get(from)
    for (const entry of decodeAwarenessUpdate(update)) {
      if (entry.json === 'null') {
        ids?.delete(entry.clientId)
      } else {
        if (!ids) this.#byInstance.set(from, (ids = new Set()))
        ids.add(entry.clientId)
      }
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, REMOTE_ORIGIN)
  }

  /** Instance `instance` stopped or fell silent: its people leave. */
  gone(instance: string): void {
    const ids = this.#byInstance.get(instance)
    this.#byInstance.delete(instance)
    if (ids && ids.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...ids], REMOTE_ORIGIN)
    }
  }

  /** Another instance loaded the document: tell it who is here. */
  answerQuery(): void {
    const remote = new Set<number>()
    for (const ids of this.#byInstance.values()) for (const id of ids) remote.add(id)
    const local = [...this.awareness.getStates().keys()].filter((id) => !remote.has(id))
    if (local.length === 0) return
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, local)
    this.fanout.publish(this.docId, { kind: 'awareness', update })
  }
}
