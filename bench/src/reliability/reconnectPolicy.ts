/**
 * Reconnect schedulers for storm clients: the web app's own policy (shared/src/reconnectPolicy.ts,
 * the very code the browser runs) and, for comparison, stock y-websocket's backoff.
 */
import { ReconnectScheduler, isPermanentClose, realTimers, type Timers } from '@tandem/shared'

export { realTimers, type Timers }

/** What a storm client needs of a reconnect scheduler; the web's class has this shape too. */
export interface Reconnector {
  /** The socket closed with `code`: schedules one reconnect, returns its delay or undefined. */
  closed(code: number): number | undefined
  /** The connection synced: the next failure starts from the shortest window again. */
  synced(): void
  /** Drops a pending reconnect. */
  cancel(): void
  /** Failed attempts since the last sync. */
  readonly attempts: number
}

/** Makes a scheduler: the bench passes {@link benchReconnector}, the tests the web's class. */
export type ReconnectorFactory = (
  connect: () => void,
  timers: Timers,
  random: () => number,
) => Reconnector

/** The web app's policy. */
export const benchReconnector: ReconnectorFactory = (connect, timers, random) =>
  new ReconnectScheduler(connect, timers, random)

/**
 * For comparison only: the stock y-websocket client's own backoff (no jitter: 100 ms doubled per
 * failed attempt, at most 2.5 s, reset once connected), which the web app replaces. Clients
 * dropped together come back together: the herd the server must take at once.
 */
export class StockBackoff implements Reconnector {
  private fails = 0
  private timer: unknown
  private pending = false

  constructor(
    private readonly connect: () => void,
    private readonly timers: Timers = realTimers,
  ) {}

  closed(code: number): number | undefined {
    this.cancel()
    if (isPermanentClose(code)) return undefined
    const delayMs = Math.min(2 ** this.fails * 100, 2_500)
    this.fails += 1
    this.pending = true
    this.timer = this.timers.set(() => {
      this.pending = false
      this.connect()
    }, delayMs)
    return delayMs
  }

  synced(): void {
    this.fails = 0
  }

  cancel(): void {
    if (!this.pending) return
    this.timers.clear(this.timer)
    this.pending = false
  }

  get attempts(): number {
    return this.fails
  }
}

/** The stock client's factory (see {@link StockBackoff}). */
export const stockReconnector: ReconnectorFactory = (connect, timers) =>
  new StockBackoff(connect, timers)
