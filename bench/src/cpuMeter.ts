/**
 * The CPU a server under test uses during one window: its processes (main thread and other
 * threads), the PostgreSQL backends and shared processes counted for it, and its redis-server.
 */
import { cpuSeconds, threadCpuSeconds, type ServerProcess } from '@tandem/testkit'
import { nowMs } from './clock.js'
import type { BenchDatabase, PgCpuMeter } from './postgres.js'
import type { PrivateRedis } from './redis.js'

/** What the system under test used during one window, in CPU seconds. */
export interface CpuBreakdown {
  /** Everything below: the server processes, PostgreSQL's share and redis-server. */
  total: number
  /** The server processes (all threads, summed over instances). */
  processes: number
  /** … of which main threads. */
  main: number
  /** Server processes' other threads (GC helpers, libuv pool, Tandem's SQLite writer…). */
  other: number
  /** PostgreSQL backends of this run's database; NaN without PostgreSQL (or not on this machine). */
  db: number
  /** PostgreSQL's shared processes above their idle rate; NaN as above. */
  dbShared: number
  /** PostgreSQL backends of other databases during the window (not counted); NaN as above. */
  dbOtherDatabases: number
  /** The private redis-server; NaN without one. */
  redis: number
  /** Every pid counted (so "other processes" leaves them out). */
  pids: number[]
  /** Length of the window, in seconds. */
  seconds: number
  notes: string[]
}

/** The parts of a running server a meter reads (see `RunningServer`). */
export interface MeteredServer {
  readonly processes: readonly ServerProcess[]
  readonly redis: PrivateRedis | undefined
  readonly pg: PgCpuMeter | undefined
  readonly storage: { database: BenchDatabase | undefined }
}

/** Measures a window: create with `server.meter()`, end with `close()`. */
export class CpuMeter {
  private readonly cpu0: number[]
  private readonly threads0: { main: number; other: number }[]
  private readonly redis0: number
  private readonly t0 = nowMs()

  constructor(private readonly server: MeteredServer) {
    this.cpu0 = server.processes.map((p) => cpuSeconds(p.pid))
    this.threads0 = server.processes.map((p) => threadCpuSeconds(p.pid))
    this.redis0 = server.redis ? cpuSeconds(server.redis.pid) : 0
    server.pg?.start()
  }

  close(): CpuBreakdown {
    const s = this.server
    let processes = 0
    let main = 0
    let other = 0
    const notes: string[] = []
    s.processes.forEach((p, i) => {
      try {
        // As before: the whole process from /proc/<pid>/stat, the split from its tasks.
        processes += cpuSeconds(p.pid) - (this.cpu0[i] ?? 0)
        const t = threadCpuSeconds(p.pid)
        main += t.main - (this.threads0[i]?.main ?? 0)
        other += t.other - (this.threads0[i]?.other ?? 0)
      } catch {
        notes.push(`instance ${i} exited during the window`)
      }
    })
    const redis = s.redis ? cpuSeconds(s.redis.pid) - this.redis0 : NaN
    const pg = s.pg?.stop()
    if (pg?.exited)
      notes.push(`${pg.exited} PostgreSQL backends of this database exited mid-window`)
    const withDb = s.storage.database !== undefined
    if (withDb && !pg) notes.push('PostgreSQL is not on this machine: its CPU is not counted')
    const db = pg ? pg.ours : NaN
    const dbShared = pg ? pg.shared : NaN
    const total =
      processes + (Number.isFinite(db) ? db + dbShared : 0) + (Number.isFinite(redis) ? redis : 0)
    return {
      total,
      processes,
      main,
      other,
      db,
      dbShared,
      dbOtherDatabases: pg ? pg.other : NaN,
      redis,
      pids: [
        ...s.processes.map((p) => p.pid),
        ...(s.redis ? [s.redis.pid] : []),
        ...(pg?.pids ?? []),
      ],
      seconds: (nowMs() - this.t0) / 1000,
      notes,
    }
  }
}
