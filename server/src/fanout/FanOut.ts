/** One committed log record, as instances pass it on. */
export interface CommittedUpdate {
  /** Its position in the document's log. */
  seq: number
  /** A Yjs V1 update, exactly as stored. */
  data: Uint8Array
}

/**
 * What one instance tells the others about a document. Only what storage already holds travels
 * here: a lost, late or repeated event costs latency, never data.
 */
export type FanOutEvent =
  /** Updates this instance committed, in commit order. */
  | { kind: 'updates'; updates: CommittedUpdate[] }
  /** A vetted awareness update (presence) from this instance's connections. */
  | { kind: 'awareness'; update: Uint8Array }
  /** These link tokens stopped working: close their connections with 4403. */
  | { kind: 'links-revoked'; tokens: string[] }
  /** The document was deleted: close every connection to it. */
  | { kind: 'deleted' }

/** Receives events other instances published for one document. */
export interface FanOutSubscriber {
  receive(event: FanOutEvent): void
}

/**
 * The seam between instances: rooms publish what they committed and hear what others did. An
 * instance never hears its own events back; it applies them locally itself.
 */
export interface FanOut {
  /** Publishes to every other instance, without waiting: a commit never waits on fan-out. */
  publish(docId: string, event: FanOutEvent): void
  /** Listens to a document's events from other instances until the returned function is called. */
  subscribe(docId: string, subscriber: FanOutSubscriber): () => void
  /** Stops delivering and releases resources. */
  close(): Promise<void>
}
