import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { Limits, parsePresenceUser } from '@tandem/shared'
import type { Metrics } from '../metrics.js'
import type { Session } from './Session.js'

/**
 * Presence integrity for one room: which connection owns each awareness client id (and the tab
 * secret it proved), and the filter every incoming awareness update goes through.
 */
export class AwarenessGuard {
  readonly #owners = new Map<number, { session: Session; secret: string | undefined }>()

  constructor(private readonly metrics: Metrics) {}

  /**
   * Keeps only the awareness entries this connection may write: ids it introduced (first come),
   * or ids whose owner proved the same tab secret (an honest reconnect). Forged entries and
   * removals of other clients' ids are dropped. The role is set from the connection, never from
   * what the client claims. Returns undefined when nothing is left.
   */
  vet(session: Session, update: Uint8Array): Uint8Array | undefined {
    const decoder = decoding.createDecoder(update)
    const count = decoding.readVarUint(decoder)
    const kept: { id: number; clock: number; state: string }[] = []
    for (let i = 0; i < count; i++) {
      const id = decoding.readVarUint(decoder)
      const clock = decoding.readVarUint(decoder)
      const json = decoding.readVarString(decoder)
      if (json.length > Limits.maxAwarenessStateBytes) {
        this.metrics.refusedWrites.inc({ reason: 'awareness-too-large' })
        continue
      }
      const owner = this.#owners.get(id)
      if (owner && owner.session !== session) {
        const proven = session.tabSecret !== undefined && owner.secret === session.tabSecret
        if (!proven) {
          this.metrics.refusedWrites.inc({ reason: 'awareness-not-owner' })
          continue
        }
        owner.session.deleteControlled(id)
      }
      const state: unknown = JSON.parse(json)
      if (state === null) {
        if (owner?.session !== session) continue
        kept.push({ id, clock, state: 'null' })
        continue
      }
      if (!owner || owner.session !== session) {
        this.#owners.set(id, { session, secret: session.tabSecret })
        session.addControlled(id)
      }
      kept.push({ id, clock, state: JSON.stringify(withServerRole(session, state)) })
    }
    if (kept.length === 0) return undefined
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, kept.length)
    for (const entry of kept) {
      encoding.writeVarUint(encoder, entry.id)
      encoding.writeVarUint(encoder, entry.clock)
      encoding.writeVarString(encoder, entry.state)
    }
    return encoding.toUint8Array(encoder)
  }

  /** Forgets what `session` owned; returns the ids whose presence must now be removed. */
  release(session: Session): number[] {
    // Only ids this connection still owns: a reconnected tab may have taken its id over.
    const owned = session.takeControlled().filter((id) => this.#owners.get(id)?.session === session)
    for (const id of owned) this.#owners.delete(id)
    return owned
  }
}

/** Sets `user.role` from the connection's link, whatever the client claimed. */
function withServerRole(session: Session, state: unknown): unknown {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return state
  const record = state as Record<string, unknown>
  if (!('user' in record)) return record
  const user = parsePresenceUser(record.user)
  return { ...record, user: user ? { ...user, role: session.role } : { role: session.role } }
}
