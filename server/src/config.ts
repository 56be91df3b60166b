import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Limits } from '@tandem/shared'

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
  /** Storage backend: 'sqlite' (default, durable) or 'memory' (tests, throwaway demos). */
  storage: 'sqlite' | 'memory'
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

/** Reads and validates the environment; throws {@link ConfigError} with a clear message. */
export function loadConfig(env: Env = process.env): Config {
  const maxDocumentBytes = int(env, 'MAX_DOCUMENT_BYTES', Limits.maxDocumentBytes, 1024, 512 * MIB)
  const maxMessageBytes = int(env, 'MAX_MESSAGE_BYTES', Limits.maxMessageBytes, 1024, 512 * MIB)
  if (maxMessageBytes < maxDocumentBytes) {
    throw new ConfigError(
      `MAX_MESSAGE_BYTES (${maxMessageBytes}) must be >= MAX_DOCUMENT_BYTES (${maxDocumentBytes}) so a client that was offline can upload its edits`,
    )
  }
  const dataDir = env.DATA_DIR?.trim()
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
    storage: oneOf(env, 'STORAGE', ['sqlite', 'memory'] as const, 'sqlite'),
    allowCreateOnConnect: bool(env, 'ALLOW_CREATE_ON_CONNECT', false),
    maxMessageBytes,
    maxDocumentBytes,
    roomIdleMs: int(env, 'ROOM_IDLE_MS', 5_000, 0, 3_600_000),
    compactAfterUpdates: int(env, 'COMPACT_AFTER_UPDATES', 500, 1, 1_000_000),
    shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 2_000, 0, 60_000),
  }
}
