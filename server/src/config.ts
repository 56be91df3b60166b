import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Limits } from '@tandem/shared'
import {
  DEFAULT_RETENTION,
  parseRetention,
  type RetentionTier,
} from './rooms/versions/retention.js'

/** Repository root, two levels above this file (server/src or server/dist). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/** Validated server configuration. Every field maps to one documented environment variable. */
export interface Config {
  /** TCP port to listen on; 0 picks a free one. */
  port: number
  /** Interface to bind. */
  host: string
  /** Directory holding the SQLite database (created if missing). */
  dataDir: string
  /** Directory of the built web app; absent means a placeholder page is served. */
  webDir: string
  /** pino level. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /**
   * Storage backend: 'sqlite' (default, durable), 'postgres' (DATABASE_URL is set; several
   * instances can share it) or 'memory' (tests, throwaway demos).
   */
  storage: 'sqlite' | 'memory' | 'postgres'
  /** PostgreSQL connection string (`postgres://…`) when several instances share one database. */
  databaseUrl: string | undefined
  /** Redis connection string (`redis://…`) for fan-out between instances; optional. */
  redisUrl: string | undefined
  /** When true, any well-formed unknown id creates its document on first connect. */
  allowCreateOnConnect: boolean
  /** Largest accepted WebSocket message, in bytes. */
  maxMessageBytes: number
  /** Largest document (encoded state), in bytes. */
  maxDocumentBytes: number
  /** Grace period before an empty room is flushed, compacted and unloaded, in milliseconds. */
  roomIdleMs: number
  /** Log rows after which a loaded document is compacted into a snapshot. */
  compactAfterUpdates: number
  /** Time given to open sockets to close on shutdown before they are terminated, in milliseconds. */
  shutdownGraceMs: number
  /** True when NODE_ENV=development: the Vite dev server's origin is allowed too. */
  development: boolean
  /**
   * Whether X-Forwarded-* headers are believed (Fastify's trustProxy): false, true, a hop count,
   * or a comma-separated list of proxy addresses/CIDRs.
   */
  trustProxy: boolean | number | string[]
  /** Origins allowed to open the sync socket besides the server's own; '*' allows any. */
  allowedOrigins: string[]
  /** Open sync connections allowed per client address. */
  maxConnectionsPerIp: number
  /** Documents loaded in memory at once; joins past it are refused with 1013. */
  maxRooms: number
  /** Messages a connection may queue while its document loads. */
  maxQueuedMessages: number
  /** Sustained messages per second per connection (token bucket refill). */
  rateMessagesPerSec: number
  /** Messages a connection may send in a burst (token bucket size). */
  rateBurstMessages: number
  /** Sustained bytes per second per connection; the burst is MAX_MESSAGE_BYTES. */
  rateBytesPerSec: number
  /** Unsent bytes buffered for one connection before it is closed as a slow consumer. */
  slowConsumerBytes: number
  /** Interval between WebSocket pings, in milliseconds; a peer silent for two is closed. */
  heartbeatIntervalMs: number
  /** Requests per minute per client address on /api. */
  apiRateLimitPerMinute: number
  /**
   * How automatic versions are thinned as they age (VERSION_RETENTION, see retention.ts); named
   * and restore versions are kept forever.
   */
  versionRetention: RetentionTier[]
  /**
   * Also save an automatic version after every this many writes to a loaded document; 0 (the
   * default) is off. Not for production: benchmarks and tests set it (VERSION_EVERY_UPDATES) to
   * measure what saving versions costs editing.
   */
  versionEveryUpdates: number
  /**
   * How long after an edit a loaded document's text is indexed for search at the latest, in
   * milliseconds (SEARCH_INDEX_DELAY_MS); 0 turns indexing off (search then finds what was
   * indexed before).
   */
  searchIndexDelayMs: number
}

type Env = Record<string, string | undefined>

/** Thrown for an invalid environment; the message names the variable and what is allowed. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  if (!/^\d+$/.test(raw.trim())) {
    throw new ConfigError(`${name} must be a whole number between ${min} and ${max}, got "${raw}"`)
  }
  const value = Number(raw)
  if (value < min || value > max) {
    throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`)
  }
  return value
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase()
  if (raw === undefined || raw === '') return fallback
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true
  if (['0', 'false', 'no', 'off'].includes(raw)) return false
  throw new ConfigError(`${name} must be true or false (1/0), got "${env[name]}"`)
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim()
  if (raw === undefined || raw === '') return fallback
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`)
  }
  return raw as T
}

const MIB = 1024 * 1024

function trustProxy(env: Env): boolean | number | string[] {
  const raw = env.TRUST_PROXY?.trim()
  if (raw === undefined || raw === '' || ['0', 'false', 'no', 'off'].includes(raw)) return false
  if (['true', 'yes', 'on'].includes(raw)) return true
  if (/^\d+$/.test(raw)) return Number(raw)
  const list = raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
  if (list.some((p) => !/^[0-9a-fA-F.:/]+$/.test(p))) {
    throw new ConfigError(
      `TRUST_PROXY must be true, false, a hop count or a comma-separated list of addresses/CIDRs, got "${raw}"`,
    )
  }
  return list
}

function retention(env: Env): RetentionTier[] {
  const raw = env.VERSION_RETENTION?.trim() || DEFAULT_RETENTION
  try {
    return parseRetention(raw)
  } catch (err) {
    throw new ConfigError(`VERSION_RETENTION: ${(err as Error).message}`)
  }
}

function url(env: Env, name: string, schemes: readonly string[]): string | undefined {
  const raw = env[name]?.trim()
  if (raw === undefined || raw === '') return undefined
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new ConfigError(`${name} must be a URL (${schemes.join(' or ')}://…)`)
  }
  if (!schemes.includes(parsed.protocol.replace(/:$/, ''))) {
    throw new ConfigError(`${name} must start with ${schemes.map((s) => `${s}://`).join(' or ')}`)
  }
  return raw
}

function storage(env: Env, databaseUrl: string | undefined): Config['storage'] {
  const chosen = oneOf(env, 'STORAGE', ['sqlite', 'memory', 'postgres'] as const, 'sqlite')
  const explicit = env.STORAGE?.trim()
  if (databaseUrl === undefined) {
    if (chosen === 'postgres') throw new ConfigError('STORAGE=postgres needs DATABASE_URL')
    return chosen
  }
  if (explicit && chosen !== 'postgres') {
    throw new ConfigError(
      `DATABASE_URL selects PostgreSQL; it cannot be used with STORAGE=${chosen}`,
    )
  }
  return 'postgres'
}

/** Reads and validates the environment; throws {@link ConfigError} with a clear message. */
export function loadConfig(env: Env = process.env): Config {
  const maxDocumentBytes = int(env, 'MAX_DOCUMENT_BYTES', Limits.maxDocumentBytes, 1024, 512 * MIB)
  const maxMessageBytes = int(env, 'MAX_MESSAGE_BYTES', Limits.maxMessageBytes, 1024, 512 * MIB)
  if (maxMessageBytes < maxDocumentBytes) {
    throw new ConfigError(
      `MAX_MESSAGE_BYTES (${maxMessageBytes}) must be >= MAX_DOCUMENT_BYTES (${maxDocumentBytes}) so a client that was offline can upload its edits`,
    )
  }
  const slowConsumerBytes = int(env, 'SLOW_CONSUMER_BYTES', 64 * MIB, 64 * 1024, 4096 * MIB)
  if (slowConsumerBytes < maxDocumentBytes) {
    throw new ConfigError(
      `SLOW_CONSUMER_BYTES (${slowConsumerBytes}) must be >= MAX_DOCUMENT_BYTES (${maxDocumentBytes}) so a joiner can receive a whole document`,
    )
  }
  const dataDir = env.DATA_DIR?.trim()
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres', 'postgresql'])
  const origins = (env.ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/$/, ''))
    .filter(Boolean)
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/]+$/.test(origin)) {
      throw new ConfigError(
        `ALLOWED_ORIGINS entries must look like https://host[:port] (or *), got "${origin}"`,
      )
    }
  }
  return {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env.HOST?.trim() || '127.0.0.1',
    dataDir: dataDir ? path.resolve(REPO_ROOT, dataDir) : path.join(REPO_ROOT, 'data'),
    webDir: env.WEB_DIR?.trim()
      ? path.resolve(REPO_ROOT, env.WEB_DIR.trim())
      : path.join(REPO_ROOT, 'web', 'dist'),
    logLevel: oneOf(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'info',
    ),
    storage: storage(env, databaseUrl),
    databaseUrl,
    redisUrl: url(env, 'REDIS_URL', ['redis', 'rediss']),
    allowCreateOnConnect: bool(env, 'ALLOW_CREATE_ON_CONNECT', false),
    maxMessageBytes,
    maxDocumentBytes,
    roomIdleMs: int(env, 'ROOM_IDLE_MS', 5_000, 0, 3_600_000),
    compactAfterUpdates: int(env, 'COMPACT_AFTER_UPDATES', 500, 1, 1_000_000),
    shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 2_000, 0, 60_000),
    development: env.NODE_ENV === 'development',
    trustProxy: trustProxy(env),
    allowedOrigins: origins,
    maxConnectionsPerIp: int(env, 'MAX_CONNECTIONS_PER_IP', 50, 1, 1_000_000),
    maxRooms: int(env, 'MAX_ROOMS', 10_000, 1, 10_000_000),
    maxQueuedMessages: int(env, 'MAX_QUEUED_MESSAGES', 1_000, 1, 1_000_000),
    rateMessagesPerSec: int(env, 'RATE_MESSAGES_PER_SEC', 100, 1, 100_000_000),
    rateBurstMessages: int(env, 'RATE_BURST_MESSAGES', 1_000, 1, 100_000_000),
    rateBytesPerSec: int(env, 'RATE_BYTES_PER_SEC', 2 * MIB, 1024, 100_000 * MIB),
    slowConsumerBytes,
    heartbeatIntervalMs: int(env, 'HEARTBEAT_INTERVAL_MS', 30_000, 100, 3_600_000),
    apiRateLimitPerMinute: int(env, 'API_RATE_LIMIT_PER_MINUTE', 300, 1, 1_000_000),
    versionRetention: retention(env),
    versionEveryUpdates: int(env, 'VERSION_EVERY_UPDATES', 0, 0, 1_000_000),
    searchIndexDelayMs: int(env, 'SEARCH_INDEX_DELAY_MS', 1_000, 0, 60_000),
  }
}
