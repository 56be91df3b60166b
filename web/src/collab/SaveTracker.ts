import { SyncMessageType } from '@tandem/shared'

/**
 * Bookkeeping behind "Saving…" / "All changes saved". The server acknowledges, per connection,
 * how many of the sync messages this client sent are durably committed. Changes made while no
 * socket was open (or sent on a socket that closed before its ack) are "unsent" until a sync
 * step 2 (which carries everything the server lacks) is sent on a new socket and acknowledged.
 */
export class SaveTracker {
  /** Sync messages sent on the current socket. */
  private sent = 0
  /** How many of them the server has committed. */
  private acked = 0
  /** Local changes exist that the server may not have yet. */
  private unsent = false
  /** Index (1-based) of the step 2 on this socket whose ack clears {@link unsent}; 0 if none. */
  private flushAt = 0

  constructor(private readonly onChange: () => void) {}

  /** A new socket was created: counts start again from zero. */
  socketOpened(): void {
    this.sent = 0
    this.acked = 0
    this.flushAt = 0
    this.onChange()
  }

  /** The current socket closed; whatever it did not get acknowledged must be sent again. */
  socketClosed(): void {
    if (this.acked < this.sent) this.unsent = true
    this.sent = 0
    this.acked = 0
    this.flushAt = 0
    this.onChange()
  }

  /** The client sent a sync message of sub-type `syncType` on the current socket. */
  syncSent(syncType: number): void {
    this.sent += 1
    if (syncType === SyncMessageType.step2 && this.unsent && this.flushAt === 0) {
      this.flushAt = this.sent
    }
    this.onChange()
  }

  /** The server committed the first `count` sync messages of the current socket. */
  acknowledged(count: number): void {
    this.acked = Math.max(this.acked, Math.min(count, this.sent))
    if (this.flushAt > 0 && this.acked >= this.flushAt) {
      this.unsent = false
      this.flushAt = 0
    }
    this.onChange()
  }

  /** A local change happened; `sentNow` is false when no open socket carried it. */
  localChange(sentNow: boolean): void {
    if (sentNow || this.unsent) return
    this.unsent = true
    this.onChange()
  }

  /** True when the server has committed every local change this client knows of. */
  get allSaved(): boolean {
    return !this.unsent && this.acked === this.sent
  }

  /** True when some local changes have not reached the server at all yet. */
  get hasUnsent(): boolean {
    return this.unsent
  }
}
