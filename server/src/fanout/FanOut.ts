/** One committed log record, as instances pass it on. */
export interface CommittedUpdate {
  /** Its position in the document's log. */
  seq: number
  /** A Yjs V1 update, exactly as stored; absent when it was too large to carry (read the store). */
  data?: Uint8Array
}

/**
 * What one instance tells the others about a document. Only what storage already holds travels
 * here, or presence: a lost, late or repeated event costs latency, never data.
 */
export type FanOutEvent =
  /** Updates this instance committed, in commit order. */
  | { kind: 'updates'; updates: CommittedUpdate[] }
  /** A vetted awareness update (presence) from this instance's connections. */
  | { kind: 'awareness'; update: Uint8Array }
  /** A room just loaded elsewhere: send it every presence you hold for this document. */
  | { kind: 'awareness-query' }
  /** These link tokens stopped working: close their connections with 4403. */
  | { kind: 'links-revoked'; tokens: string[] }
  /** The document was deleted: close every connection to it. */
  | { kind: 'deleted' }

/** Receives events other instances published for one document. */
export interface FanOutSubscriber {
  /** An event from instance `from`. */
  receive(event: FanOutEvent, from: string): void
  /** Instance `instance` stopped (or fell silent): forget the presence it published. */
  instanceGone(instance: string): void
}

/** A subscription to one document's events. */
export interface Subscription {
  /** Resolves once events published from now on are delivered (read the store after this). */
  readonly ready: Promise<void>
  /** Stops delivery. */
  close(): void
}

/**
 * The seam between instances: rooms publish what they committed and hear what others did. An
 * instance never hears its own events back; it applies them locally itself.
 */
export interface FanOut {
  /** This instance's id, unique among the instances sharing the fan-out. */
  readonly instanceId: string
  /**
   * False while events may be getting lost (the broker is unreachable): rooms then poll the store
   * more often. Always true for a lone instance.
   */
  readonly healthy: boolean
  /** Publishes to every other instance, without waiting: a commit never waits on fan-out. */
  publish(docId: string, event: FanOutEvent): void
  /** Listens to a document's events from other instances. */
  subscribe(docId: string, subscriber: FanOutSubscriber): Subscription
  /** Stops delivering and releases resources. */
  close(): Promise<void>
}
