import { setTimeout as delay } from 'node:timers/promises'

/** Polls /healthz while running; a slow or failed answer is a stalled or dead event loop. */
export class HealthWatch {
  failures: string[] = []
  maxLatencyMs = 0
  #running = true
  readonly #done: Promise<void>
  constructor(http: string) {
    this.#done = this.#loop(http)
  }
  async #loop(http: string): Promise<void> {
    while (this.#running) {
      const start = performance.now()
      try {
        const res = await fetch(`${http}/healthz`, { signal: AbortSignal.timeout(5_000) })
        if (!res.ok) this.failures.push(`/healthz answered ${res.status}`)
      } catch (err) {
        this.failures.push(`/healthz failed: ${String(err)}`)
      }
      this.maxLatencyMs = Math.max(this.maxLatencyMs, performance.now() - start)
      await delay(200)
    }
  }
  stop(): Promise<void> {
    this.#running = false
    return this.#done
  }
}
