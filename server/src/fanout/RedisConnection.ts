import { performance } from 'node:perf_hooks'
import type { createClient } from 'redis'

/** A node-redis client as `createClient` makes it. */
export type RedisClient = ReturnType<typeof createClient>

/** The logging the fan-out does (a pino or Fastify logger fits). */
export interface FanOutLog {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/**
 * Reconnection delay after `retries` failed attempts, in milliseconds: 50 ms doubling up to
 * `maxMs`, plus up to 20% jitter so instances do not reconnect in lockstep.
 */
export function reconnectDelayMs(retries: number, maxMs: number): number {
  const base = Math.min(maxMs, 50 * 2 ** Math.min(retries, 20))
  return Math.round(base + Math.random() * base * 0.2)
}

/**
 * One of the fan-out's two Redis connections, with what node-redis leaves to its user: a probe
 * that notices a Redis which accepts bytes but answers nothing (paused, swapping, overloaded), and
 * logging on state changes only. node-redis reconnects by itself; this only watches.
 */
export class RedisConnection {
  #probeSentAt: number | undefined
  #stalled = false
  #lostAt: number | undefined
  #failures = 0
  #everReady = false
  #closed = false
  /** A connection attempt is under way (from its start until it fails or succeeds). */
  #attempting = true

  constructor(
    readonly client: RedisClient,
    /** "publisher" or "subscriber", for logs. */
    readonly name: string,
    private readonly log: FanOutLog,
    /** How long a probe may stay unanswered before the connection counts as down, in ms. */
    private readonly probeTimeoutMs: number,
    /** Called whenever {@link usable} may have changed. */
    private readonly onChange: () => void,
  ) {
    // node-redis emits 'error' for every failed attempt while it reconnects; without a listener
    // an EventEmitter error would crash the process.
    client.on('error', this.#onError)
    client.on('ready', this.#onReady)
    // node-redis sleeps between attempts after an 'error' and announces each new one.
    client.on('reconnecting', () => (this.#attempting = true))
  }

  /** Connected, handshake done, and not known to be stalled: commands are worth sending. */
  get usable(): boolean {
    return !this.#closed && !this.#stalled && this.client.isReady
  }

  /** Sends `command` as a probe unless one is still unanswered or the connection is not ready. */
  probe(command: () => Promise<unknown>): void {
    if (this.#closed || this.#probeSentAt !== undefined || !this.client.isReady) return
    const sentAt = (this.#probeSentAt = performance.now())
    command().then(
      () => {
        if (this.#probeSentAt !== sentAt) return
        this.#probeSentAt = undefined
        if (!this.#stalled) return
        this.#stalled = false
        this.log.info(
          { connection: this.name, downMs: this.#downMs(), failures: this.#failures },
          'redis fan-out: Redis answers again',
        )
        this.#lostAt = undefined
        this.#failures = 0
        this.onChange()
      },
      () => {
        // The socket failed (its error is logged by #onError) or was closed.
        if (this.#probeSentAt === sentAt) this.#probeSentAt = undefined
      },
    )
  }

  /** Marks the connection stalled when its probe has waited too long; call it periodically. */
  check(now: number): void {
    if (this.#stalled || this.#probeSentAt === undefined || !this.client.isReady) return
    const waitedMs = now - this.#probeSentAt
    if (waitedMs <= this.probeTimeoutMs) return
    this.#stalled = true
    this.#lostAt ??= now
    this.log.warn(
      { connection: this.name, waitedMs: Math.round(waitedMs) },
      'redis fan-out: Redis does not answer; treating it as down until it does',
    )
    this.onChange()
  }

  /**
   * Stops watching and closes the socket. The client's reconnect strategy must already refuse:
   * then an attempt under way either fails (and node-redis gives up) or succeeds and is closed
   * here. Destroying the client in the middle of an attempt could leave the new socket open, so
   * that is waited for, at most `maxWaitMs` milliseconds.
   */
  async close(maxWaitMs: number): Promise<void> {
    this.#closed = true
    this.#probeSentAt = undefined
    const client = this.client
    if (client.isOpen && !client.isReady && this.#attempting) {
      await new Promise<void>((resolve) => {
        const settle = (): void => {
          if (client.isOpen && !client.isReady && this.#attempting) return
          clearTimeout(timer)
          client.off('error', settle).off('ready', settle)
          resolve()
        }
        const timer = setTimeout(() => {
          this.#attempting = false
          settle()
        }, maxWaitMs)
        client.on('error', settle).on('ready', settle)
      })
    }
    if (client.isOpen) client.destroy()
  }

  #onError = (err: unknown): void => {
    this.#attempting = false
    if (this.#closed) return
    if (this.client.isReady) {
      // Not about the connection (node-redis marks it not ready before reporting a socket error).
      this.log.warn({ connection: this.name, err }, 'redis fan-out: Redis client error')
      return
    }
    this.#failures++
    const first = this.#lostAt === undefined
    this.#lostAt ??= performance.now()
    // A failed probe is not answered any more: a fresh one goes out once reconnected.
    this.#probeSentAt = undefined
    if (first) {
      this.log.warn(
        { connection: this.name, err },
        this.#everReady
          ? 'redis fan-out: connection lost; reconnecting'
          : 'redis fan-out: cannot connect yet; retrying',
      )
    } else {
      this.log.debug({ connection: this.name, err }, 'redis fan-out: still reconnecting')
    }
    this.onChange()
  }

  #onReady = (): void => {
    this.#attempting = false
    if (this.#closed) return
    this.#probeSentAt = undefined
    this.#stalled = false
    if (this.#lostAt !== undefined) {
      this.log.info(
        { connection: this.name, downMs: this.#downMs(), failures: this.#failures },
        'redis fan-out: connected again',
      )
    } else {
      this.log.debug({ connection: this.name }, 'redis fan-out: connected')
    }
    this.#lostAt = undefined
    this.#failures = 0
    this.#everReady = true
    this.onChange()
  }

  #downMs(): number {
    return this.#lostAt === undefined ? 0 : Math.round(performance.now() - this.#lostAt)
  }
}
