import type { FanOutEvent, FanOutSubscriber, Subscription } from './FanOut.js'
import type { FanOutLog, RedisConnection } from './RedisConnection.js'

interface Entry {
  subscriber: FanOutSubscriber
}

interface Channel {
  /** Rooms listening; empty for a channel the fan-out itself keeps (the instances channel). */
  entries: Set<Entry>
  /** idle: not asked for; pending: SUBSCRIBE sent; subscribed: Redis confirmed it. */
  status: 'idle' | 'pending' | 'subscribed'
  /** Subscriptions waiting for that confirmation. */
  waiters: Set<() => void>
}

/**
 * The subscriber connection's channels: which ones rooms want, which ones Redis has confirmed, and
 * who hears what arrives. Redis is asked only while the connection is usable (a stalled one stays
 * quiet so its socket timeout can fire); {@link reconcile} catches up after any outage, adding
 * what is missing and removing what nobody wants any more. node-redis itself resubscribes what it
 * had confirmed whenever it reconnects.
 */
export class ChannelSubscriptions {
  readonly #channels = new Map<string, Channel>()

  constructor(
    private readonly connection: RedisConnection,
    private readonly log: FanOutLog,
    /** Longest wait of a subscription's `ready`, in milliseconds. */
    private readonly readyTimeoutMs: number,
    /** Every message on a wanted channel; `channel` is its name. */
    private readonly onMessage: (message: Buffer, channel: string) => void,
  ) {}

  /** Rooms' channels (the fan-out's own not counted). */
  get documents(): number {
    let count = 0
    for (const channel of this.#channels.values()) if (channel.entries.size > 0) count++
    return count
  }

  /** Keeps `name` subscribed for the fan-out itself, from now until {@link clear}. */
  keep(name: string): void {
    if (this.#channels.has(name)) return
    this.#channels.set(name, { entries: new Set(), status: 'idle', waiters: new Set() })
    this.reconcile()
  }

  /** Adds a room's subscriber to `name`; see {@link Subscription} for `ready`. */
  add(name: string, subscriber: FanOutSubscriber): Subscription {
    let channel = this.#channels.get(name)
    if (!channel) {
      channel = { entries: new Set(), status: 'idle', waiters: new Set() }
      this.#channels.set(name, channel)
    }
    if (channel.status === 'idle' && this.connection.usable) this.#subscribe(name, channel)
    const entry = { subscriber }
    channel.entries.add(entry)
    const current = channel
    let timer: NodeJS.Timeout | undefined
    let settle!: () => void
    const ready = new Promise<void>((resolve) => (settle = resolve))
    const done = (): void => {
      clearTimeout(timer)
      current.waiters.delete(done)
      settle()
    }
    // Without a listening connection there is nothing to wait for: the room polls instead.
    if (current.status === 'subscribed' || !this.connection.usable) done()
    else {
      current.waiters.add(done)
      timer = setTimeout(done, this.readyTimeoutMs)
      timer.unref()
    }
    return {
      ready,
      close: () => {
        done()
        this.#remove(name, current, entry)
      },
    }
  }

  /** Hands `event` to every room subscribed to `name`; one that throws does not stop the rest. */
  deliver(name: string, event: FanOutEvent, from: string): boolean {
    const channel = this.#channels.get(name)
    if (!channel || channel.entries.size === 0) return false
    for (const entry of [...channel.entries]) {
      // A room may close (its own or another's subscription) while hearing an earlier event.
      if (!channel.entries.has(entry)) continue
      try {
        entry.subscriber.receive(event, from)
      } catch (err) {
        this.log.error({ err, channel: name }, 'redis fan-out: a subscriber threw')
      }
    }
    return true
  }

  /** Tells every subscribed room, once each, that `instance` is gone. */
  instanceGone(instance: string): void {
    const subscribers = new Set<FanOutSubscriber>()
    for (const channel of this.#channels.values()) {
      for (const entry of channel.entries) subscribers.add(entry.subscriber)
    }
    for (const subscriber of subscribers) {
      try {
        subscriber.instanceGone(instance)
      } catch (err) {
        this.log.error({ err, instance }, 'redis fan-out: a subscriber threw')
      }
    }
  }

  /**
   * Brings Redis in line with what is wanted, while the connection is usable; otherwise releases
   * every waiting `ready` (a confirmation cannot come soon).
   */
  reconcile(): void {
    if (!this.connection.usable) {
      for (const channel of this.#channels.values()) for (const done of channel.waiters) done()
      return
    }
    const active = this.connection.client.getPubSubListeners('CHANNELS')
    for (const [name, channel] of this.#channels) {
      if (channel.status === 'subscribed' && !active.has(name)) channel.status = 'idle'
      if (channel.status === 'idle') this.#subscribe(name, channel)
    }
    for (const [name, listeners] of active) {
      if (!this.#channels.has(name) && !listeners.unsubscribing) this.#unsubscribe(name)
    }
  }

  /** Forgets every channel and releases every waiter (on close: Redis drops them with the socket). */
  clear(): void {
    for (const channel of this.#channels.values()) for (const done of channel.waiters) done()
    this.#channels.clear()
  }

  #remove(name: string, channel: Channel, entry: Entry): void {
    if (!channel.entries.delete(entry) || channel.entries.size > 0) return
    if (this.#channels.get(name) !== channel) return
    this.#channels.delete(name)
    // Otherwise the next reconcile removes it once the connection is usable again.
    if (channel.status !== 'idle' && this.connection.usable) this.#unsubscribe(name)
  }

  #subscribe(name: string, channel: Channel): void {
    channel.status = 'pending'
    this.connection.client.subscribe(name, this.#listener, true).then(
      () => {
        if (this.#channels.get(name) !== channel) return
        channel.status = 'subscribed'
        for (const done of channel.waiters) done()
      },
      (err: unknown) => {
        // The connection broke before Redis answered: the next reconcile asks again.
        if (this.#channels.get(name) === channel && channel.status === 'pending') {
          channel.status = 'idle'
        }
        this.log.debug({ err, channel: name }, 'redis fan-out: subscribe failed')
      },
    )
  }

  #unsubscribe(name: string): void {
    this.connection.client.unsubscribe(name, this.#listener, true).catch((err: unknown) => {
      this.log.debug({ err, channel: name }, 'redis fan-out: unsubscribe failed')
    })
  }

  /** One listener for every channel (node-redis keys listeners by function). */
  #listener = (message: Buffer, channel: Buffer): void => {
    const name = channel.toString()
    if (this.#channels.has(name)) this.onMessage(message, name)
  }
}
