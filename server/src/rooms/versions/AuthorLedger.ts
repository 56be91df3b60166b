import { displayUser, type Role } from '@tandem/shared'
import type { FastifyBaseLogger } from 'fastify'
import type { ClientAuthor, DocumentStore, StoredAuthor } from '../../storage/DocumentStore.js'
import type { Session } from '../Session.js'
import type { UpdateShape } from '../updateValidation.js'

/** What the ledger needs to know of presence (the room's RoomPresence). */
export interface PresenceLookup {
  /**
   * Whether `session` owns the awareness id `clientId`, and the `user` field of its presence (of
   * that id if it owns it, else of another id it owns).
   */
  identity(session: Session, clientId: number): { owns: boolean; user: unknown }
  /** The awareness ids `session` owns. */
  ownedBy(session: Session): number[]
}

/** The author of the content a restore re-created (a REST call has no presence to name). */
export const RESTORED_AUTHOR: StoredAuthor = { name: 'Restored version', color: '#6b7280' }

/**
 * Who wrote with which Yjs client id in one document, recorded in the store from the connections
 * that delivered the writes, never from what a client claims about an id:
 * - the connection that owns an id's presence (awareness client id = Yjs client id, as every
 *   y-websocket client has it; the presence guard decides ownership) records it under its
 *   presence's name and colour, and records it again when that presence changes (a rename, or
 *   presence that arrived after the first edit);
 * - any other connection that delivers content of an id (content relayed from elsewhere) records
 *   it only if nobody has yet, so it can never take over someone else's edits.
 * Writes to the store are batched per event-loop turn, off the commit path. Also remembers the
 * people who deleted something since the last version: a Yjs deletion records no author.
 */
export class AuthorLedger {
  /** What this room last recorded per client id (`+` owner, `?` first deliverer, then the author). */
  readonly #recorded = new Map<number, string>()
  /** The session that last recorded each id: its next writes of that id need no second look. */
  readonly #recordedBy = new Map<number, Session>()
  /** Each session's author as a deleter, until its presence changes. */
  #deleterOf = new WeakMap<Session, StoredAuthor>()
  #pending = new Map<number, { author: ClientAuthor; replace: boolean }>()
  #deleters = new Map<string, StoredAuthor>()
  #scheduled = false
  #flushing: Promise<void> = Promise.resolve()

  constructor(
    private readonly docId: string,
    private readonly store: DocumentStore,
    private readonly log: FastifyBaseLogger,
    private readonly presence: PresenceLookup,
  ) {}

  /** A write of `session` committed, carrying content of the ids in `shape`. */
  wrote(session: Session, shape: UpdateShape): void {
    for (const clientId of shape.clients) {
      if (this.#recordedBy.get(clientId) !== session) this.#attribute(session, clientId)
    }
    if (shape.deletes) this.deleted(this.#deleter(session, shape))
  }

  /** `session`'s presence changed: ids it owns and recorded take its new name and colour. */
  presenceChanged(session: Session): void {
    this.#deleterOf.delete(session)
    for (const clientId of this.presence.ownedBy(session)) {
      if (this.#recorded.has(clientId)) this.#attribute(session, clientId)
    }
  }

  #deleter(session: Session, shape: UpdateShape): StoredAuthor {
    let author = this.#deleterOf.get(session)
    if (!author) {
      const [id = 0] = shape.clients.length > 0 ? shape.clients : this.presence.ownedBy(session)
      const { name, color } = displayUser(this.presence.identity(session, id).user, id)
      author = { name, color }
      this.#deleterOf.set(session, author)
    }
    return author
  }

  /** Records `author` for `clientId` (the server's own writes, such as a restore). */
  record(clientId: number, author: StoredAuthor, role: Role): void {
    this.#queue({ clientId, ...author, role }, true)
  }

  /** Someone deleted something: they are among the authors of the next version. */
  deleted(author: StoredAuthor): void {
    this.#deleters.set(`${author.name}\u0000${author.color}`, author)
  }

  /** The deleters since the last call (a version is being saved); `giveBack` if it was not. */
  takeDeleters(): StoredAuthor[] {
    const deleters = [...this.#deleters.values()]
    this.#deleters = new Map()
    return deleters
  }

  giveBack(deleters: readonly StoredAuthor[]): void {
    for (const author of deleters) this.deleted(author)
  }

  #attribute(session: Session, clientId: number): void {
    const { owns, user } = this.presence.identity(session, clientId)
    const shown = displayUser(user, clientId)
    const key = `${owns ? '+' : '?'}${shown.name}\u0000${shown.color}`
    const before = this.#recorded.get(clientId)
    // First deliverers never overwrite; an owner only when what it shows changed.
    if (before === key) this.#recordedBy.set(clientId, session)
    if (before === key || (!owns && before !== undefined)) return
    this.#recorded.set(clientId, key)
    this.#recordedBy.set(clientId, session)
    this.#queue({ clientId, name: shown.name, color: shown.color, role: session.role }, owns)
  }

  #queue(author: ClientAuthor, replace: boolean): void {
    const earlier = this.#pending.get(author.clientId)
    this.#pending.set(author.clientId, { author, replace: replace || (earlier?.replace ?? false) })
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(() => void this.flush())
  }

  /** Writes what is pending; resolves when everything recorded so far is stored (or failed). */
  flush(): Promise<void> {
    this.#scheduled = false
    const pending = this.#pending
    this.#pending = new Map()
    if (pending.size > 0) {
      const entries = [...pending.values()]
      const write = async (replace: boolean) => {
        const authors = entries.filter((e) => e.replace === replace).map((e) => e.author)
        if (authors.length > 0) await this.store.saveAuthors(this.docId, authors, { replace })
      }
      this.#flushing = this.#flushing
        .then(() => write(false))
        .then(() => write(true))
        .catch((err: unknown) => {
          // Recorded again on the next write of these ids; meanwhile versions show them as
          // Anonymous.
          for (const id of pending.keys()) {
            this.#recorded.delete(id)
            this.#recordedBy.delete(id)
          }
          this.log.warn({ err, docId: this.docId }, 'recording authors failed')
        })
    }
    return this.#flushing
  }
}
