/**
 * When a client reconnects: the web app's policy, shared so the bench's storms and the chaos tests
 * drive the very same code. Runtime-agnostic (no DOM, no Node types).
 */
import { CloseCode, isPermanentClose } from './closeCodes.js'

/** First reconnect window, in milliseconds: the first retry waits between 0 and this. */
export const RECONNECT_BASE_MS = 500
/**
 * Longest reconnect window, in milliseconds (reached after five failed attempts). It bounds the
 * tail after an outage: the last client is back at most this long after the server is.
 */
export const RECONNECT_MAX_MS = 10_000
/**
 * Longest window while the server is restarting (after a 1012, until the next sync): a restart is
 * brief, so clients come back within a few seconds of it, spread over this window.
 */
export const RESTART_MAX_MS = 4_000
/**
 * Attempts counted at least this high after "busy" closes (1013 overloaded, 4529 rate limited),
 * so those retries spread over a few seconds even right after a good connection.
 */
export const BUSY_MIN_ATTEMPT = 3

const BUSY_CODES: ReadonlySet<number> = new Set([CloseCode.overloaded, CloseCode.rateLimited])

/**
 * The upper bound of the wait before reconnect attempt `attempt` (0 for the first retry since
 * the last successful sync), in milliseconds: the base doubled per attempt, capped.
 */
export function reconnectWindowMs(attempt: number): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30)
  return Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** exponent)
}

/**
 * How long to wait before reconnecting after a close with `code`, in milliseconds, or undefined
 * when the close is permanent (4400–4499: reconnecting cannot help). Full jitter: uniform in
 * [0, window), so clients dropped together by a restart do not come back together. `random`
 * returns a number in [0, 1) (Math.random by default; tests pass their own).
 */
export function reconnectDelayMs(
  attempt: number,
  code: number,
  random: () => number = Math.random,
  capMs: number = RECONNECT_MAX_MS,
): number | undefined {
  if (isPermanentClose(code)) return undefined
  const effective = BUSY_CODES.has(code) ? Math.max(attempt, BUSY_MIN_ATTEMPT) : attempt
  return Math.floor(random() * Math.min(capMs, reconnectWindowMs(effective)))
}

/** Timer functions the scheduler uses; the browser's by default, a fake clock in tests. */
export interface Timers {
  set: (callback: () => void, delayMs: number) => unknown
  clear: (handle: unknown) => void
}

/** Both runtimes have these; shared/ is compiled without DOM or Node types, so they are named here. */
const timerFunctions = globalThis as unknown as {
  setTimeout(callback: () => void, delayMs: number): unknown
  clearTimeout(handle: unknown): void
}

/** The runtime's own timers. */
export const realTimers: Timers = {
  set: (callback, delayMs) => timerFunctions.setTimeout(callback, delayMs),
  clear: (handle) => timerFunctions.clearTimeout(handle),
}

/**
 * Decides when to reconnect after a close: one pending attempt at most, jittered exponential
 * backoff that starts over after a successful sync, and nothing at all after a permanent close.
 */
export class ReconnectScheduler {
  private attempt = 0
  private timer: unknown
  private pending = false
  /** The server said it is restarting (1012) and no connection has synced since. */
  private restarting = false

  /** `connect` opens a socket; it is only ever called from a timer this scheduler set. */
  constructor(
    private readonly connect: () => void,
    private readonly timers: Timers = realTimers,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * The connection closed with `code`: schedules one reconnect and returns its delay in
   * milliseconds, or returns undefined (and schedules nothing) for a permanent code. A reconnect
   * already pending is replaced, never doubled.
   */
  closed(code: number): number | undefined {
    this.cancel()
    if (code === CloseCode.restarting) this.restarting = true
    const cap = this.restarting ? RESTART_MAX_MS : RECONNECT_MAX_MS
    const delayMs = reconnectDelayMs(this.attempt, code, this.random, cap)
    if (delayMs === undefined) return undefined
    this.attempt += 1
    this.pending = true
    this.timer = this.timers.set(() => {
      this.pending = false
      this.timer = undefined
      this.connect()
    }, delayMs)
    return delayMs
  }

  /** A connection synced: the next failure starts again from the shortest window. */
  synced(): void {
    this.attempt = 0
    this.restarting = false
  }

  /** Drops a pending reconnect (going offline, retrying by hand, closing the document). */
  cancel(): void {
    if (!this.pending) return
    this.timers.clear(this.timer)
    this.timer = undefined
    this.pending = false
  }

  /** A reconnect is scheduled and has not run yet. */
  get waiting(): boolean {
    return this.pending
  }

  /** Failed attempts since the last successful sync. */
  get attempts(): number {
    return this.attempt
  }
}
