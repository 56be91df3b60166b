/**
 * PostgreSQL for the `tandem-pg` and `tandem-cluster` servers: a throwaway database per run on
 * the machine's server (created before, dropped with FORCE after), and the CPU of the PostgreSQL
 * processes that work for it, read from /proc like every other server's.
 *
 * Attribution (see BENCHMARKS.md, "PostgreSQL and several instances"):
 * - **Backends of this run's database**: every child of the postmaster whose process title names
 *   the database (`postgres: [cluster: ]user DATABASE host(port) state`, autovacuum and parallel
 *   workers included). Counted whole: ticks at the end of the window minus ticks at its start
 *   (0 for a backend that appeared during it); a backend that exits mid-window counts up to the
 *   last 1 s poll that saw it.
 * - **Shared processes** (postmaster, checkpointer, background writer, WAL writer, launchers):
 *   they serve every database. Counted above their idle rate, measured just before the window
 *   while the system under test sat connected but idle: `window − rate × duration`, at least 0.
 *   Other sessions' databases on the same server can still move this; their backends' CPU is
 *   reported beside it (`dbOtherDatabasesPct`) so a contaminated figure can be spotted.
 * - **Backends of other databases** are someone else's work: never counted, shown as "others".
 */
import { randomBytes } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { CLOCK_TICKS_PER_SECOND, readStat, repoRoot } from '@tandem/testkit'
import { nowMs } from './clock.js'

/** The little of node-postgres the bench uses (the server's dependency, loaded from there). */
interface PgClient {
  connect(): Promise<void>
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>
  end(): Promise<void>
  on(event: 'error', listener: (err: Error) => void): void
}
interface PgModule {
  Client: new (config: { connectionString: string; connectionTimeoutMillis?: number }) => PgClient
}

let pgModule: PgModule | undefined

/** node-postgres, resolved from the server package (the bench adds no dependency of its own). */
function pg(): PgModule {
  if (!pgModule) {
    const require = createRequire(join(repoRoot, 'server', 'package.json'))
    const loaded = require('pg') as PgModule & { default?: PgModule }
    pgModule = loaded.default ?? loaded
  }
  return pgModule
}

/**
 * URL of the maintenance database (where databases are created and dropped): `--pg-url`, else
 * TANDEM_BENCH_PG_URL, TANDEM_TEST_DATABASE_URL, else PGHOST/PGPORT/PGUSER, else
 * postgres@127.0.0.1:5432/postgres (the machine's server, trust auth).
 */
export function maintenanceUrl(given?: string): string {
  const fromEnv = (
    given ??
    process.env.TANDEM_BENCH_PG_URL ??
    process.env.TANDEM_TEST_DATABASE_URL
  )?.trim()
  if (fromEnv) return fromEnv
  const url = new URL('postgres://127.0.0.1:5432/postgres')
  url.hostname = process.env.PGHOST?.trim() || '127.0.0.1'
  url.port = process.env.PGPORT?.trim() || '5432'
  url.username = process.env.PGUSER?.trim() || 'postgres'
  if (process.env.PGPASSWORD) url.password = process.env.PGPASSWORD
  return url.toString()
}

async function withClient<T>(url: string, body: (c: PgClient) => Promise<T>): Promise<T> {
  const client = new (pg().Client)({ connectionString: url, connectionTimeoutMillis: 3_000 })
  client.on('error', () => {})
  await client.connect()
  try {
    return await body(client)
  } finally {
    await client.end().catch(() => {})
  }
}

/** Why PostgreSQL runs are impossible here, or undefined when they can run. */
export async function postgresUnavailable(url: string): Promise<string | undefined> {
  const where = new URL(url)
  try {
    const ok = await withClient(url, async (c) => {
      const { rows } = await c.query<{ ok: boolean }>(
        'SELECT rolcreatedb OR rolsuper AS ok FROM pg_roles WHERE rolname = current_user',
      )
      return rows[0]?.ok === true
    })
    return ok ? undefined : `${where.username}@${where.host} may not create databases`
  } catch (err) {
    return `PostgreSQL at ${where.host} is unreachable (${err instanceof Error ? err.message : String(err)})`
  }
}

/** A database created for one run (or one scenario's restarts). */
export interface BenchDatabase {
  name: string
  url: string
  /** The postmaster's pid when PostgreSQL runs on this machine and /proc shows it; else undefined. */
  postmaster: number | undefined
  /** Drops it, disconnecting whoever is still connected; safe to call twice. */
  drop(): Promise<void>
}

/** Creates an empty database `tandem_bench_<hex>` and finds the postmaster serving it. */
export async function createDatabase(maintenance: string): Promise<BenchDatabase> {
  const name = `tandem_bench_${randomBytes(5).toString('hex')}`
  await withClient(maintenance, (c) => c.query(`CREATE DATABASE ${name}`))
  const target = new URL(maintenance)
  target.pathname = `/${name}`
  const url = target.toString()
  let dropped: Promise<void> | undefined
  const drop = (): Promise<void> =>
    (dropped ??= withClient(maintenance, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }))
  try {
    const postmaster = await withClient(url, async (c) => {
      const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
      return postmasterOf(Number(rows[0]?.pid))
    })
    return { name, url, postmaster, drop }
  } catch (err) {
    await drop().catch(() => {})
    throw err
  }
}

/** The parent of a backend pid if it is a local `postgres` process, else undefined. */
function postmasterOf(backend: number): number | undefined {
  try {
    const { ppid } = readStat(`/proc/${backend}/stat`)
    const parent = readStat(`/proc/${ppid}/stat`)
    return parent.comm === 'postgres' ? ppid : undefined
  } catch {
    return undefined // not on this machine (or not visible)
  }
}

/** How one postmaster child is counted. */
type PgClass = 'ours' | 'other' | 'shared'

/** Reads a process title (`/proc/<pid>/cmdline`, NULs as spaces). */
function title(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0+/g, ' ').trim()
  } catch {
    return ''
  }
}

/**
 * Which database a PostgreSQL process title belongs to, or undefined for the shared processes.
 * Titles: `postgres: [cluster: ]user db host(port) activity`, `… autovacuum worker db`,
 * `… parallel worker for PID n` (the leader's database; resolved by the caller).
 */
export function databaseOfTitle(t: string): { db?: string; leader?: number } {
  const rest = t.replace(/^postgres: (?:[^\s:]+: )?/, '')
  const backend = /^(\S+) (\S+) (\S+\(\d+\)|\[local\])(?: |$)/.exec(rest)
  if (backend) return { db: backend[2] }
  const av = /^autovacuum worker (\S+)/.exec(rest)
  if (av) return { db: av[1] }
  const par = /^parallel worker for PID (\d+)/.exec(rest)
  if (par) return { leader: Number(par[1]) }
  return {}
}

/** Ticks of every process of one postmaster now, with their class (cached per pid). */
class PgProcessTable {
  private readonly classes = new Map<number, PgClass>()

  constructor(
    readonly postmaster: number,
    readonly database: string,
  ) {}

  private classify(pid: number): PgClass {
    const known = this.classes.get(pid)
    if (known) return known
    if (pid === this.postmaster) return this.remember(pid, 'shared')
    const t = title(pid)
    const rest = t.replace(/^postgres: (?:[^\s:]+: )?/, '')
    // A child just forked still shows the postmaster's command line, and before authentication
    // only its client's address: count it as shared for now, and look again next time.
    if (!t.startsWith('postgres:') || /^(\S+\(\d+\)|\[local\])$/.test(rest)) return 'shared'
    const { db, leader } = databaseOfTitle(t)
    if (leader !== undefined) {
      const leaderDb = databaseOfTitle(title(leader)).db
      return this.remember(pid, leaderDb === this.database ? 'ours' : 'other')
    }
    if (db === undefined) return this.remember(pid, 'shared')
    return this.remember(pid, db === this.database ? 'ours' : 'other')
  }

  private remember(pid: number, cls: PgClass): PgClass {
    this.classes.set(pid, cls)
    return cls
  }

  sample(): Map<number, { ticks: number; cls: PgClass }> {
    const out = new Map<number, { ticks: number; cls: PgClass }>()
    for (const name of readdirSync('/proc')) {
      if (name.charCodeAt(0) > 57) continue // not a pid
      const pid = Number(name)
      if (!Number.isInteger(pid)) continue
      try {
        const stat = readStat(`/proc/${pid}/stat`)
        if (pid !== this.postmaster && stat.ppid !== this.postmaster) continue
        out.set(pid, { ticks: stat.cpuTicks, cls: this.classify(pid) })
      } catch {
        // ended between listing and reading
      }
    }
    return out
  }
}

/** What the PostgreSQL processes used during one window, in CPU seconds. */
export interface PgCpu {
  /** Backends of this run's database (and its autovacuum / parallel workers). */
  ours: number
  /** Shared processes above their idle rate (at least 0). */
  shared: number
  /** Shared processes, raw (before subtracting the idle rate). */
  sharedRaw: number
  /** Backends of other databases (someone else's work on the same server). */
  other: number
  /** Every pid counted as ours or shared (excluded from the "other processes" share). */
  pids: number[]
  /** Backends of ours that exited during the window (their last second may be missing). */
  exited: number
}

/**
 * Follows one postmaster's children through a window: a sample at the start, one per second
 * (so backends that exit are not lost) and one at the end.
 */
export class PgCpuMeter {
  private readonly table: PgProcessTable
  /** Shared processes' idle rate, in ticks per second. */
  private sharedIdleRate = 0
  private first = new Map<number, { ticks: number; cls: PgClass }>()
  private last = new Map<number, { ticks: number; cls: PgClass }>()
  private startedAt = 0
  private timer: NodeJS.Timeout | undefined

  constructor(postmaster: number, database: string) {
    this.table = new PgProcessTable(postmaster, database)
  }

  /** Measures the shared processes' idle rate over `ms` (the system under test idle). */
  async measureIdle(ms: number): Promise<void> {
    const a = this.table.sample()
    const t0 = nowMs()
    await new Promise((r) => setTimeout(r, ms))
    const b = this.table.sample()
    const seconds = (nowMs() - t0) / 1000
    let d = 0
    for (const [pid, p] of b) if (p.cls === 'shared') d += p.ticks - (a.get(pid)?.ticks ?? p.ticks)
    this.sharedIdleRate = Math.max(0, d / seconds)
  }

  /** The shared processes' idle rate last measured, in CPU seconds per second. */
  get sharedIdlePerSecond(): number {
    return this.sharedIdleRate / CLOCK_TICKS_PER_SECOND
  }

  start(): void {
    this.stopPolling()
    this.first = this.table.sample()
    this.last = new Map(this.first)
    this.startedAt = nowMs()
    this.timer = setInterval(() => this.poll(), 1000)
    this.timer.unref()
  }

  private poll(): void {
    for (const [pid, p] of this.table.sample()) {
      if (!this.first.has(pid)) this.first.set(pid, { ticks: 0, cls: p.cls })
      this.last.set(pid, p)
    }
  }

  private stopPolling(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  /** Ends the window. */
  stop(): PgCpu {
    this.stopPolling()
    const end = this.table.sample()
    const seconds = (nowMs() - this.startedAt) / 1000
    let ours = 0
    let shared = 0
    let other = 0
    let exited = 0
    const pids: number[] = []
    for (const [pid, p] of this.last) {
      const now = end.get(pid) ?? p
      if (!end.has(pid) && p.cls === 'ours') exited++
      const d = now.ticks - (this.first.get(pid)?.ticks ?? 0)
      if (d < 0) continue
      if (now.cls === 'ours') ours += d
      else if (now.cls === 'shared') shared += d
      else other += d
      if (now.cls !== 'other') pids.push(pid)
    }
    for (const [pid, p] of end) {
      if (this.last.has(pid)) continue
      if (p.cls === 'ours') ours += p.ticks
      else if (p.cls === 'shared') shared += p.ticks
      else other += p.ticks
      if (p.cls !== 'other') pids.push(pid)
    }
    const t = (ticks: number): number => ticks / CLOCK_TICKS_PER_SECOND
    return {
      ours: t(ours),
      shared: t(Math.max(0, shared - this.sharedIdleRate * seconds)),
      sharedRaw: t(shared),
      other: t(other),
      pids,
      exited,
    }
  }
}
