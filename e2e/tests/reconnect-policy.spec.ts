// The web app's reconnect policy, run in Node (no browser): a pure module with a fake clock.
import { CloseCode } from '@tandem/shared'
import { expect, test } from '@playwright/test'
import {
  BUSY_MIN_ATTEMPT,
  RECONNECT_BASE_MS,
  RECONNECT_MAX_MS,
  ReconnectScheduler,
  reconnectDelayMs,
  reconnectWindowMs,
  type Timers,
} from '../../web/src/collab/reconnectPolicy.js'

/** Timers that only fire when the test says so. */
class FakeTimers implements Timers {
  private next = 1
  readonly pending = new Map<number, { callback: () => void; delayMs: number }>()

  set = (callback: () => void, delayMs: number): unknown => {
    const handle = this.next++
    this.pending.set(handle, { callback, delayMs })
    return handle
  }

  clear = (handle: unknown): void => {
    this.pending.delete(handle as number)
  }

  /** Fires every pending timer. */
  fireAll(): void {
    const due = [...this.pending.values()]
    this.pending.clear()
    for (const { callback } of due) callback()
  }
}

test('the window doubles from the base up to the cap', () => {
  const windows = Array.from({ length: 10 }, (_, attempt) => reconnectWindowMs(attempt))
  expect(windows).toEqual([
    500,
    1000,
    2000,
    4000,
    8000,
    16_000,
    RECONNECT_MAX_MS,
    RECONNECT_MAX_MS,
    RECONNECT_MAX_MS,
    RECONNECT_MAX_MS,
  ])
  expect(reconnectWindowMs(0)).toBe(RECONNECT_BASE_MS)
  expect(reconnectWindowMs(10_000)).toBe(RECONNECT_MAX_MS)
})

test('delays are fully jittered across the window, and permanent closes get none', () => {
  for (const code of [1006, CloseCode.restarting, CloseCode.storageFailure]) {
    expect(reconnectDelayMs(3, code, () => 0)).toBe(0)
    expect(reconnectDelayMs(3, code, () => 0.5)).toBe(2000)
    expect(reconnectDelayMs(3, code, () => 0.999_999)).toBe(3999)
  }
  // With Math.random, many clients spread over the whole window rather than bunching up.
  const delays = Array.from({ length: 2000 }, () => reconnectDelayMs(2, CloseCode.restarting)!)
  expect(Math.min(...delays)).toBeGreaterThanOrEqual(0)
  expect(Math.max(...delays)).toBeLessThan(2000)
  const quarters = [0, 0, 0, 0]
  for (const delay of delays) quarters[Math.floor(delay / 500)]! += 1
  for (const count of quarters) expect(count).toBeGreaterThan(350)

  for (const code of [CloseCode.badDocumentId, CloseCode.forbidden, CloseCode.tooLarge, 4499]) {
    expect(reconnectDelayMs(0, code)).toBeUndefined()
  }
  // "Busy" closes wait a few seconds even right after a good connection.
  expect(reconnectDelayMs(0, CloseCode.rateLimited, () => 0.5)).toBe(
    reconnectWindowMs(BUSY_MIN_ATTEMPT) / 2,
  )
  expect(reconnectDelayMs(0, CloseCode.overloaded, () => 0.5)).toBe(
    reconnectWindowMs(BUSY_MIN_ATTEMPT) / 2,
  )
})

test('the scheduler keeps one reconnect pending, backs off, and starts over after a sync', () => {
  const timers = new FakeTimers()
  let connects = 0
  const scheduler = new ReconnectScheduler(
    () => connects++,
    timers,
    () => 0.5,
  )

  // Repeated failures: each waits half of a window twice as long as the last.
  const delays: Array<number | undefined> = []
  for (let i = 0; i < 8; i++) {
    delays.push(scheduler.closed(1006))
    expect(timers.pending.size).toBe(1)
    timers.fireAll()
  }
  expect(delays).toEqual([250, 500, 1000, 2000, 4000, 8000, 15_000, 15_000])
  expect(connects).toBe(8)

  // A second close while one reconnect is pending replaces it: never two sockets.
  scheduler.closed(1006)
  scheduler.closed(CloseCode.restarting)
  expect(timers.pending.size).toBe(1)
  expect(scheduler.waiting).toBe(true)

  // Going offline (or retrying by hand) drops it.
  scheduler.cancel()
  expect(timers.pending.size).toBe(0)
  expect(scheduler.waiting).toBe(false)

  // A successful sync resets the backoff.
  scheduler.synced()
  expect(scheduler.attempts).toBe(0)
  expect(scheduler.closed(1006)).toBe(250)

  // A permanent close cancels what was pending and schedules nothing.
  expect(scheduler.closed(CloseCode.forbidden)).toBeUndefined()
  expect(timers.pending.size).toBe(0)
  timers.fireAll()
  expect(connects).toBe(8)
})
