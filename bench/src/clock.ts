/**
 * One clock for every thread: CLOCK_MONOTONIC through process.hrtime, in milliseconds. Worker
 * threads and the main thread read the same system-wide clock, so a send time written by one
 * thread and a receive time read by another subtract exactly.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms))
}

/** Polls `check` every `intervalMs` until it returns true or `timeoutMs` passes; returns success. */
export async function pollUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<boolean> {
  const deadline = nowMs() + timeoutMs
  for (;;) {
    if (await check()) return true
    if (nowMs() >= deadline) return false
    await delay(intervalMs)
  }
}

/** Mulberry32: a small seeded PRNG returning floats in [0, 1); deterministic for a given seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
