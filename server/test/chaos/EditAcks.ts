import { SyncMessageType } from '@tandem/shared'
import type { Edit } from './edits.js'

/** Where an edit went out: which socket, as its n-th sync message (from 1). */
interface Carried {
  socket: object
  index: number
}

/**
 * Per-edit saved-ack bookkeeping by the counting rule of docs/protocol.md: `[100, N]` says the
 * first N sync messages sent on this connection are committed. An edit is carried by the sync
 * update sent in its transaction, or (made offline, or sent on a socket that closed before its
 * ack) by the next sync step 2 on a new socket, which holds everything the server lacks.
 * The web clients' SaveTracker answers the coarser "is everything saved?"; this answers it per
 * edit, for the stock clients.
 */
export class EditAcks {
  #socket: object | undefined
  #sent = 0
  readonly #carried = new Map<Edit, Carried>()
  readonly #unsent = new Set<Edit>()

  /** Sync messages sent on the current socket so far. */
  get sent(): number {
    return this.#sent
  }

  /** A new socket was created: its messages count from 1. */
  socketOpened(socket: object): void {
    this.socketClosed()
    this.#socket = socket
  }

  /** The socket closed: what it did not get acknowledged must go out again in a step 2. */
  socketClosed(): void {
    for (const edit of this.#carried.keys()) this.#unsent.add(edit)
    this.#carried.clear()
    this.#socket = undefined
    this.#sent = 0
  }

  /** A sync message of sub-type `syncType` went out on `socket`. */
  syncSent(socket: object, syncType: number): void {
    if (socket !== this.#socket) return
    this.#sent += 1
    if (syncType !== SyncMessageType.step2) return
    for (const edit of this.#unsent) this.#carried.set(edit, { socket, index: this.#sent })
    this.#unsent.clear()
  }

  /** An edit was made; `carried` when the sync message just sent on the current socket holds it. */
  edited(edit: Edit, carried: boolean): void {
    if (carried && this.#socket)
      this.#carried.set(edit, { socket: this.#socket, index: this.#sent })
    else this.#unsent.add(edit)
  }

  /** The server committed the first `count` sync messages of the current socket: returns the
   * edits this acknowledges. */
  acknowledged(count: number): Edit[] {
    const acked: Edit[] = []
    for (const [edit, at] of this.#carried) {
      if (at.socket === this.#socket && at.index <= count) {
        this.#carried.delete(edit)
        acked.push(edit)
      }
    }
    return acked
  }

  /** Every edit made so far is acknowledged. */
  get allAcked(): boolean {
    return this.#carried.size === 0 && this.#unsent.size === 0
  }

  /** Edits not acknowledged yet. */
  get pending(): number {
    return this.#carried.size + this.#unsent.size
  }
}
