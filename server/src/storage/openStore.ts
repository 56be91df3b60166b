import path from 'node:path'
import type { Config } from '../config.js'
import type { DocumentStore, StoreHooks } from './DocumentStore.js'
import { MemoryStore } from './MemoryStore.js'
import { PostgresStore } from './postgres/PostgresStore.js'
import { SqliteStore } from './sqlite/SqliteStore.js'

/** The settings that choose and locate the store. */
export type StoreConfig = Pick<Config, 'storage' | 'dataDir' | 'databaseUrl'>

/**
 * Opens the store the configuration names: the SQLite file `DATA_DIR/tandem.db` (the default),
 * PostgreSQL at DATABASE_URL (several instances share it), or memory. The one place a new backend
 * is added. A PostgreSQL store is returned at once and migrates its schema in the background:
 * its calls wait for that, and `ping` (so /readyz) fails until it is done; await
 * `PostgresStore.ready()` to learn of a failure at start.
 */
export function openStore(config: StoreConfig, hooks: StoreHooks): DocumentStore {
  switch (config.storage) {
    case 'memory':
      return new MemoryStore(hooks)
    case 'sqlite':
      return new SqliteStore({ file: path.join(config.dataDir, 'tandem.db'), hooks })
    case 'postgres':
      if (config.databaseUrl === undefined) throw new Error('STORAGE=postgres needs DATABASE_URL')
      return new PostgresStore({ url: config.databaseUrl, hooks })
  }
}
