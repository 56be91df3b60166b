/** mulberry32: a tiny seeded PRNG, so a failing chaos seed replays the same schedule. */
export class Rng {
  #state: number
  constructor(seed: number) {
    this.#state = seed >>> 0
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  /** Uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1)
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T
  }
  /** A child generator with its own stream, so one consumer does not shift another's choices. */
  fork(): Rng {
    return new Rng(this.int(4294967296))
  }
  /** Picks a key of `weights` with probability proportional to its value. */
  weighted<K extends string>(weights: Record<K, number>): K {
    const entries = Object.entries(weights) as [K, number][]
    let r = this.next() * entries.reduce((sum, [, w]) => sum + w, 0)
    for (const [key, w] of entries) if ((r -= w) < 0) return key
    return entries[entries.length - 1]![0]
  }
}
