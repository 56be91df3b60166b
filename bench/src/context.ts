/** What every scenario gets: the worker pool, options, and helpers shared between scenarios. */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import type { WorkerPool } from './pool.js'
import type { Options } from './cli.js'
import type { LagStats } from './rpc.js'
import type { ServerKind } from './wire.js'
import { nowMs } from './clock.js'

export interface Ctx {
  pool: WorkerPool
  opts: Options
  /** Main thread event-loop delay (it only orchestrates, but it is part of the generator). */
  mainLoop: IntervalHistogram
  /** Unique per run, so rooms never collide across scenarios on a long-lived server. */
  runId: string
  /** Where `--profile` puts Tandem's CPU profiles. */
  profileDir: string
}

/** Sampling interval of the loop-delay monitors, in ms. */
export const loopSampleMs = 2

/** A started loop-delay monitor for the calling thread. */
export function createLoopMonitor(): IntervalHistogram {
  const h = monitorEventLoopDelay({ resolution: loopSampleMs })
  h.enable()
  return h
}

/**
 * Reads and resets a loop-delay monitor. Node records the whole interval between samples, so the
 * sampling interval is subtracted: what is left is how late the loop was.
 */
export function readLag(h: IntervalHistogram): LagStats {
  const late = (ns: number): number => Math.max(0, ns / 1e6 - loopSampleMs)
  const s = { p50Ms: late(h.percentile(50)), p99Ms: late(h.percentile(99)), maxMs: late(h.max) }
  h.reset()
  return s
}

/** Reads and resets the main thread's loop delay. */
export function mainLag(ctx: Ctx): LagStats {
  return readLag(ctx.mainLoop)
}

/** The worst of several threads' loop delays (the generator is as late as its slowest thread). */
export function worstLag(all: LagStats[]): LagStats {
  return {
    p50Ms: Math.max(...all.map((l) => l.p50Ms)),
    p99Ms: Math.max(...all.map((l) => l.p99Ms)),
    maxMs: Math.max(...all.map((l) => l.maxMs)),
  }
}

/** Generator lag p99 above this voids a comparison (issue 5). */
export const voidLagP99Ms = 10

/** A room id valid for every server (Tandem: ^[A-Za-z0-9_-]{3,64}$). */
export function roomId(ctx: Ctx, scenario: string, kind: ServerKind, n: number | string): string {
  const short = kind.replace(/[^a-z]/g, '').slice(0, 6)
  return `b-${ctx.runId}-${scenario}-${short}-${n}`.slice(0, 64)
}

/** Logs a progress line to stderr (stdout carries the tables and JSON lines). */
export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`)
}

/** Milliseconds since `start`, rounded. */
export function since(start: number): number {
  return Math.round(nowMs() - start)
}
