import type * as Y from 'yjs'

/** Counters bumped on hot paths: plain numbers, read by metrics only when scraped. */
export interface EngineCounters {
  /** Document updates received from clients and committed. */
  updatesIn: number
  /** Document updates sent to clients (one per recipient). */
  updatesOut: number
  /** Protocol messages decoded. */
  framesDecoded: number
}

/** What the engine reports (implemented by the Prometheus metrics; tests may pass their own). */
export interface EngineHooks {
  readonly counters: EngineCounters
  /** A session opened (+1) or closed (-1). */
  sessions(delta: 1 | -1): void
  /** Rooms now loaded in memory. */
  roomsLoaded(count: number): void
  /** A document was loaded from storage. */
  documentLoaded(): void
  /** A connection was closed for bad input or a refusal, by reason. */
  badMessage(reason: string): void
  /** A write was refused and dropped, by reason. */
  refusedWrite(reason: string): void
  /** A commit failed (its writes were not acknowledged). */
  commitFailed(): void
  /** A document's log was compacted into a snapshot. */
  compacted(): void
}

/** What rooms tell the search index about their documents (implemented by search/SearchIndexer). */
export interface TextIndexing {
  /** The document's committed content changed: index it within the indexing delay. */
  changed(docId: string, doc: Y.Doc): void
  /** The document is unloading: if it changed since it was last indexed, index it now. */
  unloading(docId: string, doc: Y.Doc): void
}
