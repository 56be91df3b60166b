/** Percentile summaries over exact samples (milliseconds unless a name says otherwise). */

export interface Summary {
  count: number
  p50: number
  p95: number
  p99: number
  max: number
  mean: number
}

/** Nearest-rank percentile of an ascending-sorted array; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number
}

/** Sorts a copy of the samples and summarises them. */
export function summarize(samples: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(samples).sort()
  let sum = 0
  for (const v of sorted) sum += v
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? (sorted[sorted.length - 1] as number) : NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
  }
}

/** Concatenates sample arrays. */
export function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

/** Median of a few numbers (repeats); NaN when empty. */
export function median(values: number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (finite.length === 0) return NaN
  const mid = Math.floor(finite.length / 2)
  return finite.length % 2
    ? (finite[mid] as number)
    : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2
}

/** A growable Float64Array of samples with a hard cap (extra samples are counted, not kept). */
export class SampleBuffer {
  private data: Float64Array
  length = 0
  dropped = 0

  constructor(
    initial = 1024,
    private readonly cap = 8_000_000,
  ) {
    this.data = new Float64Array(initial)
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      if (this.length >= this.cap) {
        this.dropped++
        return
      }
      const next = new Float64Array(Math.min(this.cap, this.data.length * 2))
      next.set(this.data)
      this.data = next
    }
    this.data[this.length++] = v
  }

  /** Returns the kept samples and empties the buffer. */
  take(): Float64Array {
    const out = this.data.slice(0, this.length)
    this.length = 0
    this.dropped = 0
    return out
  }
}
