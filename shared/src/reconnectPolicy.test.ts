import { CloseCode } from './closeCodes.js'
import { describe, expect, it } from 'vitest'
import {
  BUSY_MIN_ATTEMPT,
  RECONNECT_BASE_MS,
  RECONNECT_MAX_MS,
  RESTART_MAX_MS,
  ReconnectScheduler,
  reconnectDelayMs,
  reconnectWindowMs,
  type Timers,
} from './reconnectPolicy.js'

/** An artificial clock: timers fire only when the test advances time past their deadline. */
class FakeClock implements Timers {
  nowMs = 0
  private nextHandle = 1
  readonly pending = new Map<number, { callback: () => void; atMs: number }>()

  set = (callback: () => void, delayMs: number): unknown => {
    const handle = this.nextHandle++
    this.pending.set(handle, { callback, atMs: this.nowMs + delayMs })
    return handle
  }

  clear = (handle: unknown): void => {
    this.pending.delete(handle as number)
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in deadline order. */
  advance(ms: number): void {
    const until = this.nowMs + ms
    for (;;) {
      const due = [...this.pending.entries()]
        .filter(([, timer]) => timer.atMs <= until)
        .sort(([, a], [, b]) => a.atMs - b.atMs)[0]
      if (!due) break
      const [handle, timer] = due
      this.pending.delete(handle)
      this.nowMs = timer.atMs
      timer.callback()
    }
    this.nowMs = until
  }
}

/** A scheduler on a fake clock with a fixed "random" number, and the times it connected at. */
function scheduler(random = 0.5) {
  const clock = new FakeClock()
  const connectsAtMs: number[] = []
  const s = new ReconnectScheduler(
    () => connectsAtMs.push(clock.nowMs),
    clock,
    () => random,
  )
  return { clock, connectsAtMs, scheduler: s }
}

describe('reconnect windows and delays', () => {
  it('doubles the window from the base up to the cap', () => {
    expect(Array.from({ length: 10 }, (_, attempt) => reconnectWindowMs(attempt))).toEqual([
      500,
      1000,
      2000,
      4000,
      8000,
      RECONNECT_MAX_MS,
      RECONNECT_MAX_MS,
      RECONNECT_MAX_MS,
      RECONNECT_MAX_MS,
      RECONNECT_MAX_MS,
    ])
    expect(RECONNECT_MAX_MS).toBe(10_000)
    expect(reconnectWindowMs(0)).toBe(RECONNECT_BASE_MS)
    expect(reconnectWindowMs(-3)).toBe(RECONNECT_BASE_MS)
    expect(reconnectWindowMs(10_000)).toBe(RECONNECT_MAX_MS)
  })

  it('jitters the delay across the whole window, from the injected random number', () => {
    for (const code of [1006, CloseCode.restarting, CloseCode.storageFailure]) {
      expect(reconnectDelayMs(3, code, () => 0)).toBe(0)
      expect(reconnectDelayMs(3, code, () => 0.5)).toBe(2000)
      expect(reconnectDelayMs(3, code, () => 0.999_999)).toBe(3999)
    }
  })

  it('gives no delay at all for a permanent close', () => {
    for (const code of [CloseCode.badDocumentId, CloseCode.forbidden, CloseCode.tooLarge, 4499]) {
      expect(reconnectDelayMs(0, code, () => 0.5)).toBeUndefined()
    }
  })

  it('waits a few seconds after a "busy" close even right after a good connection', () => {
    const busyHalfWindow = reconnectWindowMs(BUSY_MIN_ATTEMPT) / 2
    expect(reconnectDelayMs(0, CloseCode.rateLimited, () => 0.5)).toBe(busyHalfWindow)
    expect(reconnectDelayMs(0, CloseCode.overloaded, () => 0.5)).toBe(busyHalfWindow)
    // Later attempts still back off past the busy floor.
    expect(reconnectDelayMs(6, CloseCode.overloaded, () => 0.5)).toBe(RECONNECT_MAX_MS / 2)
  })
})

describe('ReconnectScheduler', () => {
  it('reconnects once per close, each after a window twice as long as the last', () => {
    const { clock, connectsAtMs, scheduler: s } = scheduler()
    const delays: Array<number | undefined> = []
    for (let i = 0; i < 8; i++) {
      const delay = s.closed(1006)
      delays.push(delay)
      expect(s.waiting).toBe(true)
      // Not a millisecond early.
      clock.advance(delay! - 1)
      expect(connectsAtMs).toHaveLength(i)
      clock.advance(1)
      expect(connectsAtMs).toHaveLength(i + 1)
      expect(s.waiting).toBe(false)
    }
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000])
    expect(s.attempts).toBe(8)
  })

  it('while the server restarts (1012, until the next sync) the window stays short', () => {
    const { clock, scheduler: s } = scheduler()
    const delays: Array<number | undefined> = [s.closed(CloseCode.restarting)]
    clock.advance(delays[0]!)
    // The restarting server refuses connections for a while: abnormal closes follow.
    for (let i = 0; i < 7; i++) {
      delays.push(s.closed(1006))
      clock.advance(delays.at(-1)!)
    }
    expect(Math.max(...delays.map((d) => d!))).toBeLessThan(RESTART_MAX_MS)
    expect(delays.at(-1)).toBe(RESTART_MAX_MS / 2)
    s.synced()
    for (let i = 0; i < 7; i++) {
      delays.push(s.closed(1006))
      clock.advance(delays.at(-1)!)
    }
    // After a sync, an outage of another kind backs off to the full window again.
    expect(delays.at(-1)).toBe(RECONNECT_MAX_MS / 2)
  })

  it('keeps at most one reconnect pending: a second close replaces the first', () => {
    const { clock, connectsAtMs, scheduler: s } = scheduler()
    s.closed(1006)
    s.closed(CloseCode.restarting)
    expect(clock.pending.size).toBe(1)
    clock.advance(RECONNECT_MAX_MS)
    expect(connectsAtMs).toHaveLength(1)
  })

  it('drops the pending reconnect on cancel (offline, retry by hand, closing)', () => {
    const { clock, connectsAtMs, scheduler: s } = scheduler()
    s.closed(1006)
    s.cancel()
    expect(s.waiting).toBe(false)
    expect(clock.pending.size).toBe(0)
    clock.advance(RECONNECT_MAX_MS)
    expect(connectsAtMs).toEqual([])
    // Cancelling with nothing pending is harmless.
    s.cancel()
  })

  it('starts over from the shortest window after a successful sync', () => {
    const { clock, scheduler: s } = scheduler()
    for (let i = 0; i < 4; i++) {
      s.closed(1006)
      clock.advance(RECONNECT_MAX_MS)
    }
    expect(s.closed(1006)).toBe(4000)
    clock.advance(RECONNECT_MAX_MS)
    s.synced()
    expect(s.attempts).toBe(0)
    expect(s.closed(1006)).toBe(250)
  })

  it('never reconnects after a permanent close, and cancels what was pending', () => {
    const { clock, connectsAtMs, scheduler: s } = scheduler()
    s.closed(1006)
    expect(s.closed(CloseCode.forbidden)).toBeUndefined()
    expect(s.waiting).toBe(false)
    expect(s.attempts).toBe(1)
    clock.advance(RECONNECT_MAX_MS * 10)
    expect(connectsAtMs).toEqual([])
  })

  it('spreads clients dropped together over the window', () => {
    // Many clients closed at the same moment, each with its own random numbers.
    const connectsAtMs: number[] = []
    const clock = new FakeClock()
    let seed = 12345
    const random = (): number => {
      // A small LCG: deterministic, evenly spread.
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0
      return seed / 2 ** 32
    }
    for (let i = 0; i < 400; i++) {
      const s = new ReconnectScheduler(() => connectsAtMs.push(clock.nowMs), clock, random)
      s.closed(1006)
      s.closed(1006)
      s.closed(1006)
    }
    clock.advance(RECONNECT_MAX_MS)
    expect(connectsAtMs).toHaveLength(400)
    // Third attempt: a 2000 ms window; every quarter of it gets a fair share of the clients.
    const quarters = [0, 0, 0, 0]
    for (const atMs of connectsAtMs) quarters[Math.floor(atMs / 500)]! += 1
    for (const count of quarters) expect(count).toBeGreaterThan(60)
  })
})
