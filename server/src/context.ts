import type { FastifyBaseLogger } from 'fastify'
import type { Config } from './config.js'
import type { Metrics } from './metrics.js'
import type { RoomManager } from './rooms/RoomManager.js'
import type { DocumentStore } from './storage/DocumentStore.js'

/** What routes share: configuration, storage, rooms, metrics and the root logger. */
export interface AppContext {
  config: Config
  store: DocumentStore
  rooms: RoomManager
  metrics: Metrics
  log: FastifyBaseLogger
}
