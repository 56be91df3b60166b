import { performance } from 'node:perf_hooks'
import type { FanOutLog } from './RedisConnection.js'

/** Bounds of a {@link PublishQueue}. */
export interface PublishQueueLimits {
  /** Messages waiting to be sent; more are dropped. */
  maxMessages: number
  /** Bytes of messages waiting to be sent; more are dropped. */
  maxBytes: number
  /** A message that waited longer than this many milliseconds is dropped instead of sent. */
  maxAgeMs: number
  /** PUBLISH commands sent and not yet answered; the rest wait. */
  maxInFlight: number
}

/** What the queue has done since it was made (counts of messages). */
export interface PublishQueueStats {
  /** Waiting to be sent now. */
  queued: number
  /** Bytes waiting to be sent now. */
  queuedBytes: number
  /** Sent and not yet answered now. */
  inFlight: number
  /** Answered by Redis. */
  sent: number
  /** Dropped because the queue was full or they waited too long (Redis slow or down). */
  dropped: number
  /** Sent, then failed (the connection broke): maybe delivered, maybe not. */
  failed: number
}

interface Pending {
  channel: string
  payload: Buffer
  queuedAt: number
}

/**
 * A bounded first-in-first-out queue in front of a Redis connection. `push` never waits and never
 * throws: when Redis is slow or down, messages are dropped and counted. A lost message costs
 * latency, never data (rooms repair from the store), so dropping beats holding memory or
 * blocking a commit. Order is kept: one connection, and messages leave in the order pushed.
 */
export class PublishQueue {
  #items: (Pending | undefined)[] = []
  #head = 0
  #bytes = 0
  #inFlight = 0
  #sent = 0
  #dropped = 0
  #failed = 0
  /** Dropped since the queue last ran empty, for one log line per episode. */
  #droppedInEpisode = 0
  #idle: (() => void)[] = []

  constructor(
    private readonly limits: PublishQueueLimits,
    /** Sends one message; its promise settles when Redis answered or the connection broke. */
    private readonly send: (channel: string, payload: Buffer) => Promise<unknown>,
    /** Whether sending is worth trying now. */
    private readonly canSend: () => boolean,
    private readonly log: FanOutLog,
  ) {}

  get length(): number {
    return this.#items.length - this.#head
  }

  /** Queues a message and sends what the limits allow; false when it was dropped instead. */
  push(channel: string, payload: Buffer): boolean {
    if (
      this.length >= this.limits.maxMessages ||
      this.#bytes + payload.length > this.limits.maxBytes
    ) {
      this.#drop(1, 'full')
      this.pump()
      return false
    }
    this.#items.push({ channel, payload, queuedAt: performance.now() })
    this.#bytes += payload.length
    this.pump()
    return true
  }

  /** Sends queued messages while the connection is usable and fewer than the limit are in flight. */
  pump(): void {
    while (this.length > 0 && this.#inFlight < this.limits.maxInFlight && this.canSend()) {
      const item = this.#shift()
      if (performance.now() - item.queuedAt > this.limits.maxAgeMs) {
        this.#drop(1, 'too old')
        continue
      }
      this.#inFlight++
      this.send(item.channel, item.payload).then(this.#onSent, this.#onFailed)
    }
    this.#maybeIdle()
  }

  /** Drops messages that waited too long (while nothing could be sent). */
  prune(now: number): void {
    let dropped = 0
    while (this.length > 0 && now - this.#items[this.#head]!.queuedAt > this.limits.maxAgeMs) {
      this.#shift()
      dropped++
    }
    if (dropped > 0) this.#drop(dropped, 'too old')
    this.#maybeIdle()
  }

  /** Resolves once nothing waits and nothing is in flight. */
  idle(): Promise<void> {
    if (this.length === 0 && this.#inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  /** Drops everything still waiting (on close). */
  clear(): void {
    const dropped = this.length
    this.#items = []
    this.#head = 0
    this.#bytes = 0
    // Not an episode worth a warning: the instance is stopping.
    this.#dropped += dropped
  }

  stats(): PublishQueueStats {
    return {
      queued: this.length,
      queuedBytes: this.#bytes,
      inFlight: this.#inFlight,
      sent: this.#sent,
      dropped: this.#dropped,
      failed: this.#failed,
    }
  }

  #shift(): Pending {
    const item = this.#items[this.#head]!
    this.#items[this.#head++] = undefined
    this.#bytes -= item.payload.length
    // Compact now and then so the array does not grow forever.
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  #drop(count: number, reason: string): void {
    if (this.#droppedInEpisode === 0) {
      this.log.warn(
        { reason, queued: this.length, inFlight: this.#inFlight },
        'redis fan-out: dropping messages (Redis slow or down); rooms repair from the store',
      )
    }
    this.#dropped += count
    this.#droppedInEpisode += count
  }

  #onSent = (): void => {
    this.#inFlight--
    this.#sent++
    this.pump()
  }

  #onFailed = (): void => {
    this.#inFlight--
    this.#failed++
    this.pump()
  }

  #maybeIdle(): void {
    if (this.length > 0 || this.#inFlight > 0) return
    // Emptied by sending (not by ageing out while Redis is down): the episode is over.
    if (this.#droppedInEpisode > 0 && this.canSend()) {
      this.log.info(
        { dropped: this.#droppedInEpisode },
        'redis fan-out: queue drained; messages flow again',
      )
      this.#droppedInEpisode = 0
    }
    for (const resolve of this.#idle.splice(0)) resolve()
  }
}
