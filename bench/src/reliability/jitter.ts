/**
 * How the web client's backoff spreads a fleet's reconnects, computed on a virtual clock (no real
 * time passes): `clients` schedulers all see their socket close at t = 0; every attempt before
 * the server is back (`downMs`) fails at once (1006, connection refused), and the first attempt
 * after it succeeds. Optionally the server admits at most `admitPerSec` connections a second
 * (those over it are refused with 1013, like a server shedding load). The result is when each
 * client got back, and how many attempts hit the server in each interval.
 */
import { seededRandom } from '../clock.js'
import type { ReconnectorFactory, Timers } from './reconnectPolicy.js'

/** A deterministic clock: timers run in time order (ties in the order they were set). */
export class VirtualClock implements Timers {
  now = 0
  private seq = 0
  private readonly heap: Array<{ at: number; seq: number; fn: () => void; live: boolean }> = []

  set = (callback: () => void, delayMs: number): unknown => {
    const entry = { at: this.now + Math.max(0, delayMs), seq: this.seq++, fn: callback, live: true }
    this.push(entry)
    return entry
  }

  clear = (handle: unknown): void => {
    if (handle) (handle as { live: boolean }).live = false
  }

  /** Runs timers until none is left or the next is past `untilMs`. */
  run(untilMs = Infinity): void {
    for (;;) {
      const top = this.heap[0]
      if (!top || top.at > untilMs) return
      this.pop()
      this.now = top.at
      if (top.live) top.fn()
    }
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a]!
    const y = this.heap[b]!
    return x.at < y.at || (x.at === y.at && x.seq < y.seq)
  }

  private push(entry: (typeof this.heap)[number]): void {
    const h = this.heap
    h.push(entry)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.less(i, p)) break
      ;[h[i], h[p]] = [h[p]!, h[i]!]
      i = p
    }
  }

  private pop(): void {
    const h = this.heap
    const last = h.pop()!
    if (h.length === 0) return
    h[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && this.less(l, m)) m = l
      if (r < h.length && this.less(r, m)) m = r
      if (m === i) return
      ;[h[i], h[m]] = [h[m]!, h[i]!]
      i = m
    }
  }
}

export interface JitterOptions {
  clients: number
  /** The code every socket closed with at t = 0: 1012 (SIGTERM) or 1006 (SIGKILL). */
  closeCode: number
  /** The server is back this many ms after the drop. */
  downMs: number
  /** Connections admitted per second once back (a token bucket, burst of one second); Infinity = all. */
  admitPerSec?: number
  reconnector: ReconnectorFactory
  seed: number
}

export interface JitterResult {
  /** When each client got back, ms after the drop, sorted. */
  backAtMs: number[]
  /** Every connection attempt's time, ms after the drop, sorted. */
  attemptAtMs: number[]
  /** Attempts each client needed (index = attempts, value = clients). */
  attempts: number[]
  /** Clients that gave up (a permanent code; always 0 here, no such code is produced). */
  gaveUp: number
}

/** Simulates one storm under the policy; deterministic for a seed. */
export function simulateReconnects(o: JitterOptions): JitterResult {
  const clock = new VirtualClock()
  const random = seededRandom(o.seed)
  const backAtMs: number[] = []
  const attemptAtMs: number[] = []
  const attemptsPerClient = new Int32Array(o.clients)
  const rate = o.admitPerSec ?? Infinity
  let tokens = rate
  let tokensAt = o.downMs
  let gaveUp = 0
  const admit = (): boolean => {
    if (rate === Infinity) return true
    tokens = Math.min(rate, tokens + ((clock.now - tokensAt) * rate) / 1000)
    tokensAt = clock.now
    if (tokens < 1) return false
    tokens -= 1
    return true
  }
  for (let i = 0; i < o.clients; i++) {
    const scheduler = o.reconnector(
      () => {
        attemptsPerClient[i]!++
        attemptAtMs.push(clock.now)
        if (clock.now < o.downMs) {
          if (scheduler.closed(1006) === undefined) gaveUp++
        } else if (!admit()) {
          if (scheduler.closed(1013) === undefined) gaveUp++
        } else {
          scheduler.synced()
          backAtMs.push(clock.now)
        }
      },
      clock,
      random,
    )
    if (scheduler.closed(o.closeCode) === undefined) gaveUp++
  }
  clock.run()
  const attempts: number[] = []
  for (const n of attemptsPerClient) attempts[n] = (attempts[n] ?? 0) + 1
  backAtMs.sort((a, b) => a - b)
  attemptAtMs.sort((a, b) => a - b)
  return { backAtMs, attemptAtMs, attempts: Array.from(attempts, (v) => v ?? 0), gaveUp }
}

/** Counts per `bucketMs` interval of sorted times: [start of interval, count]. */
export function histogram(sortedMs: number[], bucketMs: number): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (const t of sortedMs) {
    const b = Math.floor(t / bucketMs)
    while (out.length <= b) out.push([out.length * bucketMs, 0])
    out[b]![1]++
  }
  return out
}
