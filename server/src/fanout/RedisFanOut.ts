import { performance } from 'node:perf_hooks'
import { createClient } from 'redis'
import { ChannelSubscriptions } from './ChannelSubscriptions.js'
import type { FanOut, FanOutEvent, FanOutSubscriber, Subscription } from './FanOut.js'
import { InstanceLiveness } from './InstanceLiveness.js'
import { PublishQueue } from './PublishQueue.js'
import {
  RedisConnection,
  reconnectDelayMs,
  type FanOutLog,
  type RedisClient,
} from './RedisConnection.js'
import {
  decodeMessage,
  documentChannel,
  encodeEvent,
  encodeInstanceMessage,
  instancesChannel,
  newInstanceId,
  sentBy,
} from './redisWire.js'
import {
  resolveOptions,
  type RedisFanOutOptions,
  type RedisFanOutSettings,
  type RedisFanOutStats,
} from './redisFanOutOptions.js'

export type { FanOutLog } from './RedisConnection.js'
export type { RedisFanOutOptions, RedisFanOutStats } from './redisFanOutOptions.js'

/**
 * Fan-out between instances through Redis pub/sub: one channel per document (a kind byte in each
 * message tells updates, presence and control apart), and one channel for every instance's
 * heartbeat and goodbye. A publisher connection sends through a bounded queue and never makes a
 * caller wait or fail; a subscriber connection listens. node-redis reconnects both forever and
 * restores subscriptions; while either is down or stalled, {@link healthy} is false and rooms lean
 * on polling the store. Redis only speeds things up: a lost message costs latency, never data.
 */
export class RedisFanOut implements FanOut {
  readonly instanceId: string
  readonly #id: Uint8Array
  readonly #log: FanOutLog
  readonly #prefix: string
  readonly #instancesChannel: string
  readonly #alive: Buffer
  readonly #maxInlineBytes: number
  readonly #closeTimeoutMs: number
  readonly #connectTimeoutMs: number
  readonly #publisherClient: RedisClient
  readonly #subscriberClient: RedisClient
  readonly #publisher: RedisConnection
  readonly #subscriber: RedisConnection
  readonly #queue: PublishQueue
  readonly #liveness: InstanceLiveness
  readonly #channels: ChannelSubscriptions
  readonly #timers: NodeJS.Timeout[]
  readonly #checkMs: number
  #lastCheck = performance.now()
  #healthy = false
  #whenHealthy: (() => void) | undefined
  #closing: Promise<void> | undefined
  #received = 0
  #malformed = 0
  #instancesGone = 0

  /**
   * Connects to Redis and resolves once both connections are up, or after `connectWaitMs` with
   * Redis still unreachable (logged; it keeps trying, and {@link healthy} says when it made it).
   * Throws only for an unusable URL.
   */
  static async connect(options: RedisFanOutOptions): Promise<RedisFanOut> {
    const settings = resolveOptions(options)
    const fanout = new RedisFanOut(settings)
    const waitMs = settings.connectWaitMs
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      new Promise<void>((resolve) => (fanout.#whenHealthy = resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs))),
    ])
    clearTimeout(timer)
    fanout.#whenHealthy = undefined
    if (!fanout.healthy) {
      options.log.warn(
        { redis: redactUrl(options.url), waitedMs: waitMs },
        'redis fan-out: Redis not reachable yet; starting anyway and polling the store until it is',
      )
    }
    return fanout
  }

  private constructor(options: RedisFanOutSettings) {
    const { heartbeatMs, probeTimeoutMs, maxReconnectDelayMs } = options
    const { id, bytes } = newInstanceId()
    this.instanceId = id
    this.#id = bytes
    this.#log = options.log
    this.#prefix = options.prefix
    this.#instancesChannel = instancesChannel(this.#prefix)
    this.#alive = encodeInstanceMessage('alive', bytes)
    this.#maxInlineBytes = options.maxInlineBytes
    this.#closeTimeoutMs = probeTimeoutMs
    this.#connectTimeoutMs = options.connectTimeoutMs

    this.#publisherClient = createClient({
      url: options.url,
      name: `tandem-pub-${id.slice(0, 8)}`,
      // Nothing waits inside node-redis: the queue below holds messages, bounded.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: this.#connectTimeoutMs,
        // Probes keep a healthy connection busy; one silent this long is hung, so drop it.
        socketTimeout: options.socketTimeoutMs,
        // Forever, with backoff; after close(), never.
        reconnectStrategy: (retries: number) =>
          this.#closing ? false : reconnectDelayMs(retries, maxReconnectDelayMs),
      },
    })
    this.#subscriberClient = this.#publisherClient.duplicate({
      name: `tandem-sub-${id.slice(0, 8)}`,
      // Its few commands (SUBSCRIBE, UNSUBSCRIBE, PING) are sent while connected; one not yet
      // written when the socket breaks goes out after the reconnection.
      disableOfflineQueue: false,
    })
    this.#publisher = new RedisConnection(
      this.#publisherClient,
      'publisher',
      this.#log,
      probeTimeoutMs,
      this.#onChange,
    )
    this.#subscriber = new RedisConnection(
      this.#subscriberClient,
      'subscriber',
      this.#log,
      probeTimeoutMs,
      this.#onChange,
    )
    this.#queue = new PublishQueue(
      {
        maxMessages: options.maxQueuedMessages,
        maxBytes: options.maxQueuedBytes,
        maxAgeMs: options.maxQueuedAgeMs,
        maxInFlight: options.maxInFlight,
      },
      (channel, payload) => this.#publisherClient.publish(channel, payload),
      () => this.#publisher.usable,
      this.#log,
    )
    this.#liveness = new InstanceLiveness(options.instanceTimeoutMs, this.#instanceGone)
    this.#channels = new ChannelSubscriptions(
      this.#subscriber,
      this.#log,
      options.readyTimeoutMs,
      this.#onMessage,
    )
    this.#channels.keep(this.#instancesChannel)
    this.#checkMs = Math.max(10, Math.min(500, heartbeatMs / 4, probeTimeoutMs / 4))
    this.#timers = [setInterval(this.#beat, heartbeatMs), setInterval(this.#check, this.#checkMs)]
    for (const timer of this.#timers) timer.unref()
    // Errors are logged by the connections' listeners; connect() settles only when it succeeds.
    this.#publisherClient.connect().catch(() => {})
    this.#subscriberClient.connect().catch(() => {})
  }

  /** Both connections are up and answering. */
  get healthy(): boolean {
    return this.#healthy
  }

  publish(docId: string, event: FanOutEvent): void {
    if (this.#closing) return
    let payload: Buffer
    try {
      payload = encodeEvent(this.#id, event, this.#maxInlineBytes)
    } catch (err) {
      this.#log.error({ err, docId, kind: event.kind }, 'redis fan-out: cannot encode an event')
      return
    }
    this.#queue.push(documentChannel(this.#prefix, docId), payload)
  }

  subscribe(docId: string, subscriber: FanOutSubscriber): Subscription {
    if (this.#closing) return { ready: Promise.resolve(), close: () => {} }
    return this.#channels.add(documentChannel(this.#prefix, docId), subscriber)
  }

  /** Counters, for metrics. */
  stats(): RedisFanOutStats {
    return {
      ...this.#queue.stats(),
      healthy: this.#healthy,
      received: this.#received,
      malformed: this.#malformed,
      documents: this.#channels.documents,
      instances: this.#liveness.known.size,
      instancesGone: this.#instancesGone,
    }
  }

  /**
   * Publishes what is still queued and a goodbye (each bounded by the probe timeout), then closes
   * both connections; Redis drops the subscriptions with them.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer)
    this.#channels.clear()
    if (this.#publisher.usable) {
      await within(this.#queue.idle(), this.#closeTimeoutMs)
      const bye = encodeInstanceMessage('bye', this.#id)
      await within(this.#publisherClient.publish(this.#instancesChannel, bye), this.#closeTimeoutMs)
    }
    this.#queue.clear()
    this.#healthy = false
    await Promise.all([
      this.#publisher.close(this.#connectTimeoutMs + 100),
      this.#subscriber.close(this.#connectTimeoutMs + 100),
    ])
  }

  #onChange = (): void => {
    if (this.#closing) return
    this.#channels.reconcile()
    if (this.#publisher.usable) {
      this.#heartbeat()
      this.#queue.pump()
    }
    const healthy = this.#publisher.usable && this.#subscriber.usable
    if (healthy === this.#healthy) return
    this.#healthy = healthy
    this.#log.debug({ healthy }, 'redis fan-out: health changed')
    if (healthy) this.#whenHealthy?.()
  }

  #beat = (): void => {
    this.#heartbeat()
    this.#subscriber.probe(() => this.#subscriberClient.ping())
    this.#channels.reconcile()
  }

  #heartbeat(): void {
    // The heartbeat doubles as the publisher's probe: at most one is unanswered at a time.
    this.#publisher.probe(() => this.#publisherClient.publish(this.#instancesChannel, this.#alive))
  }

  #check = (): void => {
    const now = performance.now()
    // After the event loop was blocked, timers run before pending socket reads: answers and
    // heartbeats may be waiting unread. Judge nothing this round rather than misjudge.
    const late = now - this.#lastCheck > 2 * this.#checkMs + 50
    this.#lastCheck = now
    if (!late) {
      this.#publisher.check(now)
      this.#subscriber.check(now)
      this.#liveness.sweep(now, this.#subscriber.usable)
    }
    this.#queue.prune(now)
  }

  #onMessage = (message: Buffer, channel: string): void => {
    if (this.#closing || sentBy(message, this.#id)) return
    let decoded: ReturnType<typeof decodeMessage>
    try {
      decoded = decodeMessage(message)
    } catch (err) {
      if (this.#malformed++ === 0) {
        this.#log.warn({ err, channel }, 'redis fan-out: ignoring a message it cannot read')
      }
      return
    }
    if (decoded.kind === 'bye') return this.#liveness.bye(decoded.from)
    this.#liveness.heard(decoded.from, performance.now())
    if (decoded.kind === 'event' && this.#channels.deliver(channel, decoded.event, decoded.from)) {
      this.#received++
    }
  }

  #instanceGone = (instance: string): void => {
    this.#instancesGone++
    this.#log.info({ instance }, 'redis fan-out: instance gone; forgetting its presence')
    this.#channels.instanceGone(instance)
  }
}

/** Waits for `promise` (ignoring its failure) at most `ms` milliseconds. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    promise.catch(() => {}),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ])
  clearTimeout(timer)
}

/** The URL without credentials, for logs. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`
  } catch {
    return '(unparsable URL)'
  }
}
