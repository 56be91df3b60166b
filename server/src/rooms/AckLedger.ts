/**
 * The saved-acknowledgement count of one connection that opted in (`?ack=1`): sync messages are
 * numbered from 1 as they arrive, writes are pending until committed, and the acknowledgement is
 * the longest prefix of messages with nothing pending. Only the commit pipeline drives it.
 */
export class AckLedger {
  /** Sync messages received on this connection. */
  #received = 0
  /** Numbers of received writes whose commit is pending, ascending. */
  #pending: number[] | undefined
  /** The count last sent to the client. */
  #acked = 0

  /** Numbers the next sync message. */
  received(): number {
    return ++this.#received
  }

  /** Marks sync message `n` as a write whose commit is pending. */
  pending(n: number): void {
    ;(this.#pending ??= []).push(n)
  }

  /** Marks write `n` as committed (or dropped); returns a new count to send, if any. */
  settled(n: number): number | undefined {
    const pending = this.#pending
    const i = pending ? pending.indexOf(n) : -1
    if (pending && i >= 0) pending.splice(i, 1)
    return this.advance()
  }

  /** The count to send now, if more messages are covered than were acknowledged; else undefined. */
  advance(): number | undefined {
    const first = this.#pending?.[0]
    const upTo = first === undefined ? this.#received : first - 1
    if (upTo <= this.#acked) return undefined
    this.#acked = upTo
    return upTo
  }
}
