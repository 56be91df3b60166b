/**
 * Servers under test as child processes, launched through the test kit: watched through /proc by
 * pid, and stopped by that pid only (SIGTERM, then SIGKILL after a deadline).
 *
 * A "server" may be more than one process: `tandem-pg` is one Tandem instance on a throwaway
 * PostgreSQL database, `tandem-cluster` is several instances on one such database with a private
 * redis-server between them. Their CPU figures include what PostgreSQL and Redis spend for them
 * (see postgres.ts for how PostgreSQL's processes are attributed). `tandem-noindex` is Tandem on
 * SQLite with search indexing off, to compare with `tandem` what indexing costs editing.
 * CPU windows are in cpuMeter.ts, the peers' launch in peerLaunch.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  cpuSeconds,
  freePort,
  memory,
  repoRoot as kitRepoRoot,
  resetPeakRss,
  serverMain,
  startTandem,
  threadCpuSeconds,
  type ServerProcess,
} from '@tandem/testkit'
import { CpuMeter } from './cpuMeter.js'
import { startPeer, type PeerKind } from './peerLaunch.js'
import { PgCpuMeter, createDatabase, maintenanceUrl, type BenchDatabase } from './postgres.js'
import { PrivateRedis } from './redis.js'
import { scrapeMetrics } from './tandemMetrics.js'
import { ServerKind, type Target } from './wire.js'

/** Repository root. */
export const repoRoot = kitRepoRoot
let tandemMain = serverMain

/**
 * Every server the bench can run: the wire kinds, plus Tandem on PostgreSQL alone and in a
 * cluster, and Tandem with search indexing off.
 */
export const BenchServer = {
  ...ServerKind,
  tandemPg: 'tandem-pg',
  tandemCluster: 'tandem-cluster',
  tandemNoIndex: 'tandem-noindex',
} as const
export type BenchServer = (typeof BenchServer)[keyof typeof BenchServer]

/** Tandem in any deployment (SQLite, PostgreSQL, several instances, indexing off). */
export function isTandem(kind: BenchServer): boolean {
  return (
    kind === BenchServer.tandem ||
    kind === BenchServer.tandemPg ||
    kind === BenchServer.tandemCluster ||
    kind === BenchServer.tandemNoIndex
  )
}

/** The protocol the bench's clients speak to this server. */
export function wireKind(kind: BenchServer): ServerKind {
  return isTandem(kind) ? ServerKind.tandem : (kind as ServerKind)
}

/** Where PostgreSQL and redis-server come from, and how many instances a cluster has. */
export interface BackingSettings {
  /** Maintenance database URL (databases are created and dropped through it). */
  pgUrl: string
  /** The redis-server binary. */
  redisServer: string
  /** Tandem instances in `tandem-cluster`. */
  clusterInstances: number
}

let backing: BackingSettings = {
  pgUrl: maintenanceUrl(),
  redisServer: process.env.REDIS_SERVER ?? 'redis-server',
  clusterInstances: 2,
}

export function configureBacking(settings: Partial<BackingSettings>): void {
  backing = { ...backing, ...settings }
}

export function backingSettings(): BackingSettings {
  return backing
}

/** How many server instances clients are spread over. */
export function instanceCount(kind: BenchServer): number {
  return kind === BenchServer.tandemCluster ? backing.clusterInstances : 1
}

/** Runs another Tandem build (e.g. a candidate fix) instead of server/dist/main.js. */
export function useTandemMain(path: string): void {
  tandemMain = resolve(path)
}

/**
 * Limits the bench raises on Tandem, listed in every report. Every bench client connects from
 * 127.0.0.1, so the per-IP cap (default 50) would refuse most of them; saturation editors send
 * more than the default 100 messages/s per connection; the search scenario imports thousands of
 * documents and sends hundreds of queries from that one address, far past the REST API's 300
 * requests per minute (no other scenario uses the REST API). Everything else stays at its default.
 */
export const tandemRaisedLimits: Record<string, string> = {
  MAX_CONNECTIONS_PER_IP: '100000',
  RATE_MESSAGES_PER_SEC: '100000',
  RATE_BURST_MESSAGES: '100000',
  API_RATE_LIMIT_PER_MINUTE: '1000000',
}

/** Settings that make a Tandem kind what it is, beyond its storage (listed in reports). */
export const tandemKindSettings: Partial<Record<BenchServer, Record<string, string>>> = {
  [BenchServer.tandemNoIndex]: { SEARCH_INDEX_DELAY_MS: '0' },
}

/**
 * Environment for Tandem: its normal limits, plus whatever `tandemRaisedLimits` and the kind's
 * `tandemKindSettings` list. LOG_LEVEL is warn so logging costs the server nothing under load. The
 * port is chosen by the bench and readiness is /readyz: `--tandem-main` may run a build from
 * before 4e25d8a, which at warn does not print its (info-level) listening line.
 */
function tandemEnv(kind: BenchServer, dataDir: string): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ALLOW_CREATE_ON_CONNECT: '1',
    NODE_ENV: 'production',
    ...tandemRaisedLimits,
    ...tandemKindSettings[kind],
  }
}

/** Whether the Tandem server has been built. */
export function tandemAvailable(): boolean {
  try {
    readFileSync(tandemMain)
    return true
  } catch {
    return false
  }
}

/** Which servers keep documents on disk or in a database (and so can be measured cold). */
export function persists(kind: BenchServer): boolean {
  return isTandem(kind) || kind === BenchServer.hocuspocusSqlite
}

/** Where a server keeps its documents: a data directory, and for PostgreSQL kinds a database. */
export interface Storage {
  dataDir: string
  database: BenchDatabase | undefined
}

/** Removes a data directory and drops a database made for a run. */
export async function releaseStorage(storage: Storage): Promise<void> {
  rmSync(storage.dataDir, { recursive: true, force: true })
  await storage.database?.drop()
}

export interface StartOptions {
  /** Reuse this storage (cold restarts); fresh storage otherwise (released by `cleanup`). */
  storage?: Storage
  /** Directory for `node --cpu-prof` output; no profiling when absent. */
  cpuProfDir?: string
}

/** One running server: its process(es), and for PostgreSQL kinds its database and Redis. */
export class RunningServer {
  /** Where clients connect: one target per instance. */
  readonly targets: Target[]
  private peakPolled = 0
  private poller: NodeJS.Timeout | undefined
  /** Follows PostgreSQL's processes for this database (when PostgreSQL runs on this machine). */
  readonly pg: PgCpuMeter | undefined

  constructor(
    readonly kind: BenchServer,
    readonly processes: ServerProcess[],
    readonly storage: Storage,
    private readonly ownsStorage: boolean,
    readonly redis: PrivateRedis | undefined,
  ) {
    this.targets = processes.map((p) => ({ kind: wireKind(kind), port: p.port }))
    const db = storage.database
    this.pg = db?.postmaster !== undefined ? new PgCpuMeter(db.postmaster, db.name) : undefined
  }

  /** The first (or only) instance. */
  get target(): Target {
    return this.targets[0] as Target
  }

  /** Kept for single-process callers: the first instance's data directory. */
  get dataDir(): string {
    return this.storage.dataDir
  }

  /** Every process of the server under test that runs for it alone (instances, redis-server). */
  get pids(): number[] {
    return [...this.processes.map((p) => p.pid), ...(this.redis ? [this.redis.pid] : [])]
  }

  get alive(): boolean {
    return this.processes.every((p) => p.alive) && (this.redis?.alive ?? true)
  }

  /** Starts measuring CPU (server processes, PostgreSQL's share, Redis). */
  meter(): CpuMeter {
    return new CpuMeter(this)
  }

  /**
   * Measures PostgreSQL's shared processes at rest for `ms` (call while the server is idle,
   * right before a window); a no-op for servers without PostgreSQL.
   */
  async measureIdle(ms: number): Promise<void> {
    await this.pg?.measureIdle(ms)
  }

  /** PostgreSQL's shared processes' idle rate last measured (CPU s per s); NaN without one. */
  get dbSharedIdlePerSecond(): number {
    return this.pg ? this.pg.sharedIdlePerSecond : NaN
  }

  /** CPU seconds of the server processes and redis-server so far (not PostgreSQL's). */
  cpuSeconds(): number {
    return this.pids.reduce((n, pid) => n + cpuSeconds(pid), 0)
  }

  /** RSS now and at peak, summed over the server's instances (not PostgreSQL or Redis). */
  memory(): { rssBytes: number; peakRssBytes: number } {
    let rssBytes = 0
    let peakRssBytes = 0
    for (const p of this.processes) {
      const m = memory(p.pid)
      rssBytes += m.rssBytes
      peakRssBytes += m.peakRssBytes
    }
    return { rssBytes, peakRssBytes }
  }

  /**
   * CPU seconds of the main (event-loop) threads and of all other threads together (V8 GC
   * helpers, libuv pool, worker threads such as Tandem's storage thread), from /proc/<pid>/task,
   * summed over instances.
   */
  threadCpuSeconds(): { main: number; other: number } {
    let main = 0
    let other = 0
    for (const p of this.processes) {
      const t = threadCpuSeconds(p.pid)
      main += t.main
      other += t.other
    }
    return { main, other }
  }

  /**
   * Resets the kernel's peak-RSS mark (VmHWM) so the next `memory().peakRssBytes` covers only what
   * follows; returns false where the kernel refuses, and callers fall back to polling.
   */
  resetPeakRss(): boolean {
    return this.processes.every((p) => resetPeakRss(p.pid))
  }

  /** Starts polling VmRSS (summed) every `intervalMs` (a fallback when VmHWM cannot be reset). */
  startRssPolling(intervalMs = 100): void {
    this.stopRssPolling()
    this.peakPolled = 0
    const poll = (): void => {
      if (!this.alive) return
      try {
        this.peakPolled = Math.max(this.peakPolled, this.memory().rssBytes)
      } catch {
        // the process is gone; the exit handler will notice
      }
    }
    poll()
    this.poller = setInterval(poll, intervalMs)
    this.poller.unref()
  }

  /** Stops polling and returns the highest VmRSS seen, in bytes. */
  stopRssPolling(): number {
    if (this.poller) clearInterval(this.poller)
    this.poller = undefined
    return this.peakPolled
  }

  /**
   * Tandem's Prometheus metrics, summed over label sets and instances (name → value); empty for
   * the peers or when the endpoint does not answer.
   */
  async scrapeMetrics(): Promise<Map<string, number>> {
    if (!isTandem(this.kind)) return new Map()
    return scrapeMetrics(this.targets.map((t) => t.port))
  }

  /** Last lines the server wrote (stdout and stderr), for error reports. */
  stderr(): string {
    return this.processes.map((p) => p.output()).join('\n')
  }

  /** Stops every process by its pid: SIGTERM, then SIGKILL after `graceMs`; Redis last. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopRssPolling()
    this.pg?.stop()
    await Promise.all(this.processes.map((p) => p.stop(graceMs)))
    await this.redis?.stop()
  }

  /** Removes the data directory and drops the database if the bench made them for this server. */
  async cleanup(): Promise<void> {
    if (this.ownsStorage) await releaseStorage(this.storage)
  }
}

/** Fresh storage for a server kind: a temp directory, and a database for PostgreSQL kinds. */
export async function newStorage(kind: BenchServer): Promise<Storage> {
  const dataDir = mkdtempSync(join(tmpdir(), `tandem-bench-${kind}-`))
  if (kind !== BenchServer.tandemPg && kind !== BenchServer.tandemCluster) {
    return { dataDir, database: undefined }
  }
  try {
    return { dataDir, database: await createDatabase(backing.pgUrl) }
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  }
}

/**
 * Starts a server and resolves once it is ready: Tandem (every instance) on a port the bench
 * chose, once /readyz answers 200; a peer once it says it listens (see peerLaunch.ts). A
 * cluster's redis-server starts first, and its instances together.
 */
export async function startServer(
  kind: BenchServer,
  options: StartOptions = {},
): Promise<RunningServer> {
  const ownsStorage = options.storage === undefined
  const storage = options.storage ?? (await newStorage(kind))
  const profArgs = (sub: string): string[] =>
    options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${join(options.cpuProfDir, sub)}`] : []
  let redis: PrivateRedis | undefined
  const started: ServerProcess[] = []
  try {
    if (kind === BenchServer.tandemCluster) redis = await PrivateRedis.start(backing.redisServer)
    if (isTandem(kind)) {
      const n = instanceCount(kind)
      const env = {
        ...tandemEnv(kind, storage.dataDir),
        ...(storage.database ? { DATABASE_URL: storage.database.url } : {}),
        ...(redis ? { REDIS_URL: redis.url } : {}),
      }
      const results = await Promise.allSettled(
        Array.from({ length: n }, async (_, i) => {
          const p = await startTandem({
            main: tandemMain,
            port: await freePort(),
            env,
            nodeArgs: profArgs(n > 1 ? `instance-${i}` : ''),
            startTimeoutMs: 30_000,
          })
          started.push(p)
          return p
        }),
      )
      const failed = results.find((r) => r.status === 'rejected')
      if (failed) throw (failed as PromiseRejectedResult).reason
      const processes = results.map((r) => (r as PromiseFulfilledResult<ServerProcess>).value)
      return new RunningServer(kind, processes, storage, ownsStorage, redis)
    }
    const server = await startPeer(kind as PeerKind, storage.dataDir, profArgs(''))
    return new RunningServer(kind, [server], storage, ownsStorage, undefined)
  } catch (error) {
    await Promise.all(started.map((p) => p.stop(5_000)))
    await redis?.stop()
    if (ownsStorage) await releaseStorage(storage)
    throw error
  }
}
