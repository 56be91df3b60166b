import path from 'node:path'
import type { Config } from '../config.js'
import type { DocumentStore, StoreHooks } from './DocumentStore.js'
import { MemoryStore } from './MemoryStore.js'
import { SqliteStore } from './sqlite/SqliteStore.js'

/** The settings that choose and locate the store. */
export type StoreConfig = Pick<Config, 'storage' | 'dataDir'>

/**
 * Opens the store the configuration names: the SQLite file `DATA_DIR/tandem.db` (the default),
 * or memory. The one place a new backend is added.
 */
export function openStore(config: StoreConfig, hooks: StoreHooks): DocumentStore {
  switch (config.storage) {
    case 'memory':
      return new MemoryStore(hooks)
    case 'sqlite':
      return new SqliteStore({ file: path.join(config.dataDir, 'tandem.db'), hooks })
  }
}
