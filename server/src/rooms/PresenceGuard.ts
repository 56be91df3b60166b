import {
  Limits,
  MalformedMessageError,
  MalformedReason,
  decodeAwarenessUpdate,
  encodeAwarenessUpdate,
  type AwarenessEntry,
} from '@tandem/shared'
import type { EngineHooks } from './hooks.js'
import type { Session } from './Session.js'

interface Owner {
  session: Session
  /** The tab secret the owner proved, if any. */
  secret: string | undefined
}

/**
 * Presence integrity for one room, and the one place that knows who owns which awareness client
 * id: the connection that introduced it (first come), or a later one that proved the same tab
 * secret (an honest reconnect). Every incoming awareness update goes through {@link vet}.
 */
export class PresenceGuard {
  readonly #owners = new Map<number, Owner>()
  /** The ids each session owns, so its presence can be removed when it leaves. */
  readonly #bySession = new Map<Session, Set<number>>()

  constructor(private readonly hooks: EngineHooks) {}

  /**
   * Keeps only the entries `session` may write, and returns them re-encoded (undefined when none
   * is left). Dropped: states over the size cap, entries for ids another connection owns, and
   * removals of ids this connection does not own. The server enforces nothing else: the role in
   * `user.role` comes from the connection's link, and every other field passes through as sent
   * (the web app validates what it renders). Throws MalformedMessageError for a broken update or
   * a state that is not JSON.
   */
  vet(
    session: Session,
    update: Uint8Array,
    /** The clock of the state the room holds for a client id, if any. */
    clockOf: (clientId: number) => number | undefined = () => undefined,
  ): Uint8Array | undefined {
    const kept: AwarenessEntry[] = []
    for (const entry of decodeAwarenessUpdate(update)) {
      if (entry.json.length > Limits.maxAwarenessStateBytes) {
        this.hooks.refusedWrite('awareness-too-large')
        continue
      }
      const state = parseState(entry.json)
      const owner = this.#owners.get(entry.clientId)
      if (!owner && state !== null) {
        // A stock client sends back every presence change it hears. Nobody here owns the id (its
        // person is on another instance) and the room already has this state: an echo, not a
        // claim — taking ownership would let this connection's exit remove that person.
        const known = clockOf(entry.clientId)
        if (known !== undefined && entry.clock <= known) continue
      }
      if (owner && owner.session !== session) {
        const proven = session.tabSecret !== undefined && owner.secret === session.tabSecret
        if (!proven) {
          this.hooks.refusedWrite('awareness-not-owner')
          continue
        }
        this.#bySession.get(owner.session)?.delete(entry.clientId)
      }
      if (state === null) {
        if (owner?.session === session) kept.push({ ...entry, json: 'null' })
        continue
      }
      if (owner?.session !== session) this.#own(entry.clientId, session)
      kept.push({ ...entry, json: JSON.stringify(withServerRole(session, state)) })
    }
    return kept.length > 0 ? encodeAwarenessUpdate(kept) : undefined
  }

  #own(clientId: number, session: Session): void {
    this.#owners.set(clientId, { session, secret: session.tabSecret })
    let ids = this.#bySession.get(session)
    if (!ids) this.#bySession.set(session, (ids = new Set()))
    ids.add(clientId)
  }

  /** The awareness client ids `session` owns now (it introduced them, or proved their tab). */
  ownedBy(session: Session): number[] {
    const ids = this.#bySession.get(session)
    return ids ? [...ids].filter((id) => this.#owners.get(id)?.session === session) : []
  }

  /** Forgets what `session` owned; returns the ids whose presence must now be removed. */
  release(session: Session): number[] {
    // Only ids this connection still owns: a reconnected tab may have taken one over.
    const owned = this.ownedBy(session)
    this.#bySession.delete(session)
    for (const id of owned) this.#owners.delete(id)
    return owned
  }
}

/** The parsed state; a state that is not JSON makes the whole message malformed. */
function parseState(json: string): unknown {
  try {
    return JSON.parse(json) as unknown
  } catch {
    throw new MalformedMessageError(MalformedReason.invalidField, 'awareness state is not JSON')
  }
}

/**
 * Sets `user.role` from the connection's link, whatever the client claimed, and leaves every
 * other field as sent. A `user` that is not an object cannot carry a role and is replaced by one
 * that does.
 */
function withServerRole(session: Session, state: unknown): unknown {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return state
  const record = state as Record<string, unknown>
  if (!('user' in record)) return record
  const user = record.user
  const fields = typeof user === 'object' && user !== null && !Array.isArray(user) ? user : {}
  return { ...record, user: { ...fields, role: session.role } }
}
