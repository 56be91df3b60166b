import { randomUUID } from 'node:crypto'
import type { FanOut, FanOutEvent, FanOutSubscriber, Subscription } from './FanOut.js'

/**
 * Fan-out between instances in one process: every instance joined to the same hub hears the
 * others. A lone server has a hub of its own and so publishes to nobody; tests join several apps
 * (sharing one store) to one hub.
 */
export class LocalFanOutHub {
  readonly #instances = new Set<LocalFanOut>()

  /** A new instance's endpoint on this hub. */
  join(): LocalFanOut {
    const endpoint = new LocalFanOut(this.#instances)
    this.#instances.add(endpoint)
    return endpoint
  }
}

/** One instance's endpoint on a {@link LocalFanOutHub}. */
export class LocalFanOut implements FanOut {
  readonly instanceId = randomUUID()
  readonly healthy = true
  readonly #subscribers = new Map<string, Set<FanOutSubscriber>>()

  constructor(private readonly instances: Set<LocalFanOut>) {}

  publish(docId: string, event: FanOutEvent): void {
    for (const instance of this.instances) {
      if (instance !== this) instance.#deliver(docId, event, this.instanceId)
    }
  }

  #deliver(docId: string, event: FanOutEvent, from: string): void {
    const subscribers = this.#subscribers.get(docId)
    if (!subscribers) return
    // Asynchronous like a network: a publisher never runs another instance's code in its turn.
    queueMicrotask(() => {
      for (const subscriber of subscribers) subscriber.receive(event, from)
    })
  }

  subscribe(docId: string, subscriber: FanOutSubscriber): Subscription {
    let subscribers = this.#subscribers.get(docId)
    if (!subscribers) this.#subscribers.set(docId, (subscribers = new Set()))
    subscribers.add(subscriber)
    return {
      ready: Promise.resolve(),
      close: () => {
        subscribers.delete(subscriber)
        if (subscribers.size === 0 && this.#subscribers.get(docId) === subscribers) {
          this.#subscribers.delete(docId)
        }
      },
    }
  }

  async close(): Promise<void> {
    this.instances.delete(this)
    // The others forget this instance's presence, as they would when it falls silent.
    for (const instance of this.instances) {
      for (const subscribers of instance.#subscribers.values()) {
        for (const subscriber of subscribers) subscriber.instanceGone(this.instanceId)
      }
    }
    this.#subscribers.clear()
  }
}
