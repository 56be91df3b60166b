/**
 * Which other instances are alive, judged by what this one hears: a heartbeat or any message
 * refreshes an instance; one that said goodbye, or stayed silent for longer than the timeout, is
 * gone (reported once). While this instance cannot listen (its subscriber connection is down),
 * silence proves nothing: judging pauses, and everyone gets a fresh window once it listens again,
 * so a Redis blip does not wipe every remote presence.
 */
export class InstanceLiveness {
  readonly #lastHeard = new Map<string, number>()
  #listening = true

  constructor(
    /** Silence after which an instance is gone, in milliseconds (about three heartbeats). */
    private readonly timeoutMs: number,
    private readonly onGone: (instance: string) => void,
  ) {}

  /** The instances currently believed alive. */
  get known(): ReadonlySet<string> {
    return new Set(this.#lastHeard.keys())
  }

  /** `instance` was heard at `now` (milliseconds on a monotonic clock). */
  heard(instance: string, now: number): void {
    this.#lastHeard.set(instance, now)
  }

  /** `instance` announced a clean stop. */
  bye(instance: string): void {
    if (this.#lastHeard.delete(instance)) this.onGone(instance)
  }

  /** Reports every instance silent for longer than the timeout; `listening` as described above. */
  sweep(now: number, listening: boolean): void {
    if (!listening) {
      this.#listening = false
      return
    }
    if (!this.#listening) {
      this.#listening = true
      for (const instance of this.#lastHeard.keys()) this.#lastHeard.set(instance, now)
      return
    }
    for (const [instance, at] of this.#lastHeard) {
      if (now - at <= this.timeoutMs) continue
      this.#lastHeard.delete(instance)
      this.onGone(instance)
    }
  }
}
