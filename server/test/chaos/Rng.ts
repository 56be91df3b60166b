import { Rng as SeededRng } from '../fuzz/wire.js'

/**
 * The fuzzer's seeded PRNG (mulberry32), plus the one choice the chaos schedule adds, so a failing
 * seed replays the same schedule.
 */
export class Rng extends SeededRng {
  /** Uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1)
  }
  /** A child generator with its own stream, so one consumer does not shift another's choices. */
  override fork(): Rng {
    return new Rng(this.u32())
  }
}
