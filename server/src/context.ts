import type { FastifyBaseLogger } from 'fastify'
import type { Config } from './config.js'
import type { Converter } from './convert/Converter.js'
import type { Metrics } from './metrics.js'
import type { RoomManager } from './rooms/RoomManager.js'
import type { SearchIndexer } from './search/SearchIndexer.js'
import type { DocumentStore } from './storage/DocumentStore.js'

/** What routes share: configuration, storage, rooms, the converter, metrics and the root logger. */
export interface AppContext {
  config: Config
  store: DocumentStore
  rooms: RoomManager
  /** Document conversions to and from Markdown and HTML, off the event loop. */
  converter: Converter
  /** Keeps the search index up to date with the documents' text. */
  indexer: SearchIndexer
  metrics: Metrics
  log: FastifyBaseLogger
}
