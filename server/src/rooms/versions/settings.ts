import type { DocumentStore } from '../../storage/DocumentStore.js'
import { DEFAULT_RETENTION, parseRetention, type RetentionTier } from './retention.js'

/** How versions are kept: from the configuration, plus a clock tests can replace. */
export interface VersionSettings {
  /** Retention of automatic versions (VERSION_RETENTION). */
  retention: readonly RetentionTier[]
  /** An automatic version is saved at least this often while people edit, in milliseconds. */
  intervalMs: number
  /**
   * Also one after every this many writes on a room (0: off). For benchmarks and tests
   * (VERSION_EVERY_UPDATES): how much saving versions costs editing.
   */
  everyUpdates: number
  /** The time, in milliseconds since the epoch. */
  now(): number
}

/** The interval the issue promises: an automatic version at least every 10 minutes of editing. */
export const AUTO_VERSION_INTERVAL_MS = 10 * 60_000

/** The settings when nobody configured any. */
export const DEFAULT_VERSION_SETTINGS: VersionSettings = {
  retention: parseRetention(DEFAULT_RETENTION),
  intervalMs: AUTO_VERSION_INTERVAL_MS,
  everyUpdates: 0,
  now: () => Date.now(),
}

/**
 * The settings of the app that owns each store. Rooms are built by the RoomManager with a fixed
 * context (store, fan-out, hooks…); the settings reach them through the store they already hold,
 * so the app that opened a store says how its versions are kept (buildApp), and tests that run
 * several apps in one process keep theirs apart.
 */
const byStore = new WeakMap<DocumentStore, VersionSettings>()

/** Sets how the versions of the documents in `store` are kept. */
export function setVersionSettings(store: DocumentStore, settings: VersionSettings): void {
  byStore.set(store, settings)
}

/** How the versions of the documents in `store` are kept (the defaults if nobody said). */
export function versionSettingsOf(store: DocumentStore): VersionSettings {
  return byStore.get(store) ?? DEFAULT_VERSION_SETTINGS
}
