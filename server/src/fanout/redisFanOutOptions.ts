import type { PublishQueueStats } from './PublishQueue.js'
import type { FanOutLog } from './RedisConnection.js'

/** How to reach Redis and how patient to be; every duration is in milliseconds. */
export interface RedisFanOutOptions {
  /** `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. */
  url: string
  /** Where state changes are logged (warn when Redis is lost, info when it is back). */
  log: FanOutLog
  /** Start of every channel name, so deployments can share one Redis. Default "tandem". */
  prefix?: string
  /** Between heartbeats (and connection probes). Default 2,000. */
  heartbeatMs?: number
  /** Silence after which another instance is gone. Default 3.5 heartbeats (7,000). */
  instanceTimeoutMs?: number
  /** How long a probe may go unanswered before Redis counts as down. Default 1,000. */
  probeTimeoutMs?: number
  /** Limit on opening a connection. Default 2,000. */
  connectTimeoutMs?: number
  /**
   * A connection silent this long is dropped and reopened. Default 2.5 heartbeats, and at least
   * two probe timeouts (5,000). Keep it above a heartbeat: probes are what keep a socket busy.
   */
  socketTimeoutMs?: number
  /** Longest pause between reconnection attempts (they start at 50 and double). Default 2,000. */
  maxReconnectDelayMs?: number
  /** Longest wait of a subscription's `ready` for Redis to confirm. Default 1,000. */
  readyTimeoutMs?: number
  /** How long `RedisFanOut.connect` waits for Redis before returning anyway. Default 2,000. */
  connectWaitMs?: number
  /** Messages waiting to be published; more are dropped. Default 10,000. */
  maxQueuedMessages?: number
  /** Bytes waiting to be published; more are dropped. Default 16 MiB. */
  maxQueuedBytes?: number
  /** A message waiting longer is dropped instead of published. Default 5,000. */
  maxQueuedAgeMs?: number
  /** PUBLISH commands awaiting Redis's answer at once. Default 256. */
  maxInFlight?: number
  /** Updates whose bytes add up to more travel as seqs only (read from the store). 64 KiB. */
  maxInlineBytes?: number
}

/** Counters for metrics and tests; message counts since the fan-out was created. */
export interface RedisFanOutStats extends PublishQueueStats {
  healthy: boolean
  /** Events from other instances delivered to this one's rooms. */
  received: number
  /** Messages that could not be decoded (another wire version, or corrupt), ignored. */
  malformed: number
  /** Documents subscribed to. */
  documents: number
  /** Other instances currently believed alive. */
  instances: number
  /** Instances reported gone (stopped or silent). */
  instancesGone: number
}

/** Every setting, with the defaults filled in. */
export type RedisFanOutSettings = Required<RedisFanOutOptions>

/** Fills in the defaults; the relative ones (in heartbeats) follow the chosen heartbeat. */
export function resolveOptions(options: RedisFanOutOptions): RedisFanOutSettings {
  const { url, log, ...chosen } = options
  const heartbeatMs = chosen.heartbeatMs ?? 2_000
  const probeTimeoutMs = chosen.probeTimeoutMs ?? 1_000
  const defaults: RedisFanOutSettings = {
    url,
    log,
    prefix: 'tandem',
    heartbeatMs,
    instanceTimeoutMs: 3.5 * heartbeatMs,
    probeTimeoutMs,
    connectTimeoutMs: 2_000,
    socketTimeoutMs: Math.max(2.5 * heartbeatMs, 2 * probeTimeoutMs),
    maxReconnectDelayMs: 2_000,
    readyTimeoutMs: 1_000,
    connectWaitMs: 2_000,
    maxQueuedMessages: 10_000,
    maxQueuedBytes: 16 * 1024 * 1024,
    maxQueuedAgeMs: 5_000,
    maxInFlight: 256,
    maxInlineBytes: 64 * 1024,
  }
  const given = Object.entries(chosen).filter(([, value]) => value !== undefined)
  return { ...defaults, ...Object.fromEntries(given) }
}
