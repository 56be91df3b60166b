import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { createClient } from 'redis'
import * as Y from 'yjs'
import { startTandem, type ServerProcess } from '@tandem/testkit'
import {
  createTestDatabase,
  databaseUrl,
  maintenanceUrl,
  postgresUnavailable,
} from '../pgTestDatabase.js'
import { RedisServer, redisSkipReason } from '../redisServer.js'
import { destroyPeers, now } from './peer.js'
import { TcpProxy } from './tcpProxy.js'

/** Every instance this process started and that has not exited yet, killed if the runner dies. */
const live = new Set<ServerProcess>()
let guarded = false

/** Test workers die by SIGTERM (which skips 'exit') or exit: the instances go with them. */
function guardExit(): void {
  if (guarded) return
  guarded = true
  const killAll = (): void => {
    for (const server of live) server.signal('SIGKILL')
  }
  process.once('exit', killAll)
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll()
      process.kill(process.pid, signal)
    })
  }
}

/**
 * Why the cluster tests cannot run here (no PostgreSQL that lets us create databases, or no
 * redis-server), printed once; undefined when they can.
 */
export async function clusterSkipReason(): Promise<string | undefined> {
  const pgReason = await postgresUnavailable()
  const reason = pgReason ? `skipping the cluster tests: ${pgReason}` : redisSkipReason()
  if (pgReason) console.warn(reason)
  return reason
}

/** What the fan-out logs when a Redis connection fails, and when it works again. */
const TROUBLE = ['connection lost', 'cannot connect yet', 'does not answer']
const RECOVERY = ['connected again', 'answers again']

/** A line an instance logged about its Redis fan-out, or at level error or above. */
export interface LogLine {
  at: number
  /** pino's level: 50 error, 60 fatal. */
  level: number
  msg: string
  connection?: string
}

/** Polls `condition` every 10 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = now() + timeoutMs
  for (;;) {
    if (await condition()) return
    if (now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/**
 * Several Tandem instances as an operator runs them: the built server in child processes, one
 * fresh PostgreSQL database (reached through a proxy the test can cut), a private redis-server,
 * and a round-robin TCP load balancer in front. Everything it starts is torn down by
 * {@link dispose}, which is safe to call after a partial start.
 */
export class Cluster {
  readonly instances: (ServerProcess | undefined)[] = []
  /** Each instance's port, kept across restarts. */
  readonly ports: number[] = []
  /** What each instance logged about its fan-out, and its errors, in order. */
  readonly logs: LogLine[][] = []
  db: Awaited<ReturnType<typeof createTestDatabase>> | undefined
  redis: RedisServer | undefined
  /** Between the instances and PostgreSQL. */
  readonly pgProxy: TcpProxy
  /** The load balancer in front of the instances. */
  readonly lb = new TcpProxy([])
  #pool: pg.Pool | undefined
  readonly #observers = new Set<ReturnType<typeof createClient>>()
  #env: Record<string, string> = {}
  readonly #dataDir = mkdtempSync(path.join(os.tmpdir(), 'tandem-cluster-'))

  private constructor() {
    const pgServer = new URL(maintenanceUrl())
    this.pgProxy = new TcpProxy([Number(pgServer.port || 5432)], pgServer.hostname)
  }

  /** Starts `size` instances at the same moment on a fresh database; resolves once all are ready. */
  static async start(size = 3, env: Record<string, string> = {}): Promise<Cluster> {
    const cluster = new Cluster()
    try {
      await cluster.#start(size, env)
    } catch (err) {
      await cluster.dispose().catch(() => {})
      throw err
    }
    return cluster
  }

  async #start(size: number, env: Record<string, string>): Promise<void> {
    guardExit()
    const [db, redis] = await Promise.all([
      createTestDatabase(),
      RedisServer.start(),
      this.pgProxy.listen(),
      this.lb.listen(),
    ])
    this.db = db
    this.redis = redis
    this.#pool = new pg.Pool({ connectionString: db.url, max: 2 })
    this.#pool.on('error', () => {})
    const viaProxy = new URL(databaseUrl(db.name))
    viaProxy.hostname = '127.0.0.1'
    viaProxy.port = String(this.pgProxy.port)
    this.#env = {
      DATABASE_URL: viaProxy.toString(),
      REDIS_URL: redis.url,
      DATA_DIR: this.#dataDir,
      WEB_DIR: path.join(this.#dataDir, 'no-web'),
      // Info: the fan-out's state changes are logged there. Every client comes from 127.0.0.1.
      LOG_LEVEL: 'info',
      MAX_CONNECTIONS_PER_IP: '100000',
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      RATE_MESSAGES_PER_SEC: '1000000',
      RATE_BURST_MESSAGES: '1000000',
      RATE_BYTES_PER_SEC: String(1024 * 1024 * 1024),
      ...env,
    }
    // All at the same moment: they migrate the fresh schema concurrently.
    const started = await Promise.allSettled(
      Array.from({ length: size }, (_, i) => this.#launch(i, 0)),
    )
    const failed = started.find((s) => s.status === 'rejected')
    if (failed) throw failed.reason
    this.lb.backends = [...this.ports]
    await until(
      'every instance ready',
      async () => (await this.readyz()).every((s) => s === 200),
      20_000,
    )
  }

  async #launch(i: number, port: number): Promise<ServerProcess> {
    const server = await startTandem({ env: this.#env, port, startTimeoutMs: 20_000 })
    live.add(server)
    void server.exited.then(() => live.delete(server))
    this.instances[i] = server
    this.ports[i] = server.port
    const lines = (this.logs[i] ??= [])
    server.onLine((line) => {
      if (!line.startsWith('{')) return
      try {
        const record = JSON.parse(line) as { level?: number; msg?: string; connection?: string }
        const { level = 0, msg = '', connection } = record
        if (level >= 50 || msg.includes('redis fan-out')) {
          lines.push({ at: now(), level, msg, connection })
        }
      } catch {
        // not a log record
      }
    })
    return server
  }

  /** The sync endpoint behind the load balancer. */
  get ws(): string {
    return `ws://127.0.0.1:${this.lb.port}/sync`
  }

  /** The HTTP API behind the load balancer. */
  get http(): string {
    return `http://127.0.0.1:${this.lb.port}`
  }

  /** Instance `i`'s own sync endpoint (a client pinned to it). */
  wsOf(i: number): string {
    return `ws://127.0.0.1:${this.ports[i]}/sync`
  }

  httpOf(i: number): string {
    return `http://127.0.0.1:${this.ports[i]}`
  }

  /** Creates a document through `http` (the load balancer by default): its edit and view links. */
  async createDocument(http = this.http): Promise<{ id: string; viewId: string }> {
    const res = await fetch(`${http}/api/docs`, { method: 'POST' })
    if (res.status !== 201) throw new Error(`creating a document failed: ${res.status}`)
    return (await res.json()) as { id: string; viewId: string }
  }

  /** Each instance's /readyz status (0 when it does not answer within 3 s). */
  readyz(): Promise<number[]> {
    return Promise.all(
      this.ports.map((_, i) =>
        fetch(`${this.httpOf(i)}/readyz`, { signal: AbortSignal.timeout(3_000) }).then(
          (res) => res.status,
          () => 0,
        ),
      ),
    )
  }

  /** Kills instance `i` with SIGKILL and waits until it is gone. */
  async kill(i: number): Promise<void> {
    await this.instances[i]?.kill('SIGKILL')
  }

  /** Starts instance `i` again on its port. */
  async restart(i: number): Promise<void> {
    await this.kill(i)
    await this.#launch(i, this.ports[i] as number)
  }

  /** The internal id of the document a link token opens. */
  async docIdOf(token: string): Promise<string> {
    const { rows } = await this.#db().query<{ doc_id: string }>(
      'SELECT doc_id FROM links WHERE token = $1',
      [token],
    )
    if (!rows[0]) throw new Error(`no document has link ${token}`)
    return rows[0].doc_id
  }

  /**
   * What PostgreSQL holds for the document of `token`, straight from the tables (not through any
   * instance): snapshot and log applied to a fresh Y.Doc, read in one snapshot.
   */
  async stored(token: string): Promise<Y.Doc> {
    const docId = await this.docIdOf(token)
    const client = await this.#db().connect()
    let snapshot: { data: Buffer }[]
    let updates: { data: Buffer }[]
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
      snapshot = (await client.query('SELECT data FROM doc_snapshots WHERE doc_id = $1', [docId]))
        .rows
      updates = (
        await client.query('SELECT data FROM doc_updates WHERE doc_id = $1 ORDER BY seq', [docId])
      ).rows
      await client.query('COMMIT')
    } finally {
      client.release()
    }
    const doc = new Y.Doc()
    for (const row of [...snapshot, ...updates]) Y.applyUpdate(doc, new Uint8Array(row.data))
    return doc
  }

  /** The rows of the schema-version table. */
  async schemaVersions(): Promise<number[]> {
    const { rows } = await this.#db().query<{ version: number }>(
      'SELECT version FROM tandem_schema ORDER BY version',
    )
    return rows.map((row) => row.version)
  }

  /** How many connections Redis has subscribed to `channel` (0 when Redis does not answer). */
  async subscribers(channel: string): Promise<number> {
    const client = createClient({
      url: this.redis?.url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 500, reconnectStrategy: false },
    })
    client.on('error', () => {})
    try {
      await client.connect()
      const reply = (await client.sendCommand(['PUBSUB', 'NUMSUB', channel])) as unknown[]
      return Number(reply[1])
    } catch {
      return 0
    } finally {
      if (client.isOpen) client.destroy()
    }
  }

  /**
   * Listens to `channel` on Redis, as one more subscriber: counts the messages instances publish
   * there. Closed by {@link dispose} if the test does not.
   */
  async observe(channel: string): Promise<{ count(): number; close(): void }> {
    const client = createClient({ url: this.redis?.url, socket: { reconnectStrategy: false } })
    client.on('error', () => {})
    this.#observers.add(client)
    let messages = 0
    await client.connect()
    await client.subscribe(channel, () => messages++, true)
    const close = (): void => {
      this.#observers.delete(client)
      if (client.isOpen) client.destroy()
    }
    return { count: () => messages, close }
  }

  /** Lines instance `i` logged (see {@link logs}) whose message contains `text`, since `since`. */
  logged(i: number, text: string, since = 0): LogLine[] {
    return (this.logs[i] ?? []).filter((l) => l.at >= since && l.msg.includes(text))
  }

  /** Lines instance `i` logged at level error or above since `since`. */
  errors(i: number, since = 0): LogLine[] {
    return (this.logs[i] ?? []).filter((l) => l.at >= since && l.level >= 50)
  }

  /**
   * True when instance `i` logged trouble with Redis since `since` and, for each of its connections
   * that did, recovery after the last trouble.
   */
  fanoutRecovered(i: number, since: number): boolean {
    const lines = (this.logs[i] ?? []).filter((l) => l.at >= since)
    const last = new Map<string, 'trouble' | 'ok'>()
    for (const line of lines) {
      const state = RECOVERY.some((t) => line.msg.includes(t))
        ? 'ok'
        : TROUBLE.some((t) => line.msg.includes(t))
          ? 'trouble'
          : undefined
      if (state && line.connection) last.set(line.connection, state)
    }
    return last.size > 0 && [...last.values()].every((state) => state === 'ok')
  }

  /** Kills everything it started (instances, proxies, Redis), drops the database; idempotent. */
  async dispose(): Promise<void> {
    destroyPeers()
    for (const client of this.#observers) if (client.isOpen) client.destroy()
    this.#observers.clear()
    const steps: (() => Promise<unknown>)[] = [
      () => Promise.all(this.instances.map((s) => s?.kill('SIGKILL'))),
      () => this.lb.close(),
      () => this.pgProxy.close(),
      async () => {
        const pool = this.#pool
        this.#pool = undefined
        await pool?.end()
      },
      async () => this.db?.drop(),
      async () => this.redis?.dispose(),
    ]
    let first: unknown
    for (const step of steps) {
      try {
        await step()
      } catch (err) {
        first ??= err
      }
    }
    rmSync(this.#dataDir, { recursive: true, force: true })
    if (first) throw first
  }

  #db(): pg.Pool {
    if (!this.#pool) throw new Error('the cluster is not running')
    return this.#pool
  }
}
