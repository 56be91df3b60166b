/**
 * Fan-out: one room, N editors each typing at a fixed rate for a fixed time. Send-to-receive
 * latency over every receiver, delivered updates/s, convergence, server CPU per delivered update,
 * CPU seconds and peak RSS; for Tandem with saved-acks on, send-to-saved-ack latency as well.
 */
import { cpus } from 'node:os'
import { join } from 'node:path'
import type { Ctx } from '../context.js'
import { progress, roomId, voidLagP99Ms } from '../context.js'
import type { MetricDef, RunResult } from '../report.js'
import { CpuWindow } from '../machine.js'
import { isTandem, startServer, type BenchServer } from '../servers.js'
import { histogramQuantile } from '../tandemMetrics.js'
import { summarize } from '../stats.js'
import { checkConvergence, closeRoom, openRoom, resetWindow, sendWindow } from './roomLoad.js'

export const fanoutDefs: MetricDef[] = [
  { key: 'latP50', label: 'latency p50 (ms)', better: 'lower' },
  { key: 'latP95', label: 'latency p95 (ms)', better: 'lower' },
  { key: 'latP99', label: 'latency p99 (ms)', better: 'lower' },
  { key: 'latMax', label: 'latency max (ms)', better: 'lower' },
  { key: 'deliveredPerSec', label: 'delivered updates/s', better: 'higher', digits: 0 },
  { key: 'deliveredRatio', label: 'delivered / offered', digits: 4 },
  { key: 'latSameP50', label: 'several instances: same-instance p50 (ms)', better: 'lower' },
  { key: 'latSameP99', label: 'several instances: same-instance p99 (ms)', better: 'lower' },
  { key: 'latCrossP50', label: 'several instances: cross-instance p50 (ms)', better: 'lower' },
  { key: 'latCrossP99', label: 'several instances: cross-instance p99 (ms)', better: 'lower' },
  { key: 'crossOverSameP99', label: 'several instances: cross p99 / same p99 (target ≤ 2)' },
  {
    key: 'cpuUsPerDelivery',
    label: 'server CPU µs / delivered update (PostgreSQL, Redis included)',
    better: 'lower',
  },
  { key: 'cpuSeconds', label: 'server CPU seconds (all its processes)', better: 'lower' },
  { key: 'cpuMainSeconds', label: '… of which main thread(s)', better: 'lower' },
  { key: 'cpuOtherThreadsSeconds', label: '… of which other threads', better: 'lower' },
  {
    key: 'cpuDbSeconds',
    label: '… of which PostgreSQL backends of this database',
    better: 'lower',
  },
  {
    key: 'cpuDbSharedSeconds',
    label: '… of which PostgreSQL shared processes above idle',
    better: 'lower',
  },
  { key: 'cpuRedisSeconds', label: '… of which redis-server', better: 'lower' },
  { key: 'cpuUsPerUpdate', label: 'server CPU µs / update sent', better: 'lower', digits: 0 },
  { key: 'peakRssMiB', label: 'server peak RSS (MiB)', better: 'lower', digits: 1 },
  { key: 'ackP50', label: 'saved-ack p50 (ms)' },
  { key: 'ackP95', label: 'saved-ack p95 (ms)' },
  { key: 'ackP99', label: 'saved-ack p99 (ms)' },
  { key: 'genLagP99', label: 'generator loop lag p99 (ms)' },
  { key: 'genCpuSeconds', label: 'generator CPU seconds' },
  { key: 'othersPct', label: 'other processes, % of machine', digits: 0 },
  { key: 'irqPct', label: 'irq + softirq, % of machine', digits: 0 },
  { key: 'kernelThreadsPct', label: 'kernel threads (ksoftirqd…), % of machine', digits: 0 },
  {
    key: 'dbOtherDatabasesPct',
    label: "PostgreSQL: other databases' backends, % of machine (not counted)",
    digits: 1,
  },
  {
    key: 'dbSharedIdleMs',
    label: 'PostgreSQL: shared processes at idle, ms CPU / s (subtracted)',
    digits: 1,
  },
  { key: 'commits', label: 'Tandem: batches handed to storage', digits: 0 },
  { key: 'batchMean', label: 'Tandem: updates per batch, mean' },
  { key: 'commitMsMean', label: 'Tandem: batch to durable, mean (ms)' },
  { key: 'commitP99Ms', label: 'Tandem: batch to durable, p99 ≤ (ms, bucket bound)' },
  { key: 'commitMaxBucketMs', label: 'Tandem: slowest batch ≤ (ms, bucket bound)' },
  { key: 'commitBusyPct', label: 'Tandem: batches in flight, mean (× 100 %)', digits: 0 },
]

export async function fanout(
  ctx: Ctx,
  kind: BenchServer,
  editors: number,
  rep: number,
): Promise<RunResult> {
  const o = ctx.opts
  const server = await startServer(
    kind,
    o.profile ? { cpuProfDir: join(ctx.profileDir, `fanout-${editors}-${kind}`) } : {},
  )
  const notes: string[] = []
  try {
    const ack = isTandem(kind) && o.ack
    const perEditor = Math.floor((o.fanoutSeconds + o.warmupSeconds) * o.fanoutRate)
    const room = await openRoom(
      ctx,
      server.targets,
      roomId(ctx, `fo${editors}r${rep}`, server.target.kind, 0),
      editors,
      o.observers,
      perEditor + 10,
      ack,
    )
    if (room.connectFailures.length) {
      notes.push(`${room.connectFailures.length} connect failures (${room.connectFailures[0]})`)
    }
    // Optional warm-up at the same rate, not measured: V8 optimises the hot paths (on its helper
    // threads) during the first seconds, which the window would otherwise count.
    let warmSent = 0
    if (o.warmupSeconds > 0) {
      await resetWindow(ctx)
      warmSent = (await sendWindow(ctx, room, o.fanoutRate, o.warmupSeconds * 1000, 5_000)).sent
    }
    // PostgreSQL's shared processes' rate at rest, while everything is connected and idle.
    await server.measureIdle(2000)
    await resetWindow(ctx)
    const metrics0 = await server.scrapeMetrics()
    const meter = server.meter()
    const window = new CpuWindow()
    const hwmReset = server.resetPeakRss()
    server.startRssPolling()
    const w = await sendWindow(ctx, room, o.fanoutRate, o.fanoutSeconds * 1000, 10_000)
    const used = meter.close()
    const cpu = used.total
    const machine = window.close(used.pids)
    const metrics1 = await server.scrapeMetrics()
    const polled = server.stopRssPolling()
    const peak = hwmReset ? Math.max(server.memory().peakRssBytes, polled) : polled
    const conv = await checkConvergence(ctx, room, warmSent + w.sent)
    await closeRoom(ctx)
    const lat = summarize(w.latencies)
    const ackLat = summarize(w.ackLatencies)
    const split = server.targets.length > 1
    const same = summarize(w.sameLatencies)
    const cross = summarize(w.crossLatencies)
    const parts = [
      Number.isFinite(used.db) ? `PostgreSQL ${(used.db + used.dbShared).toFixed(2)} s` : '',
      Number.isFinite(used.redis) ? `Redis ${used.redis.toFixed(2)} s` : '',
    ].filter(Boolean)
    progress(
      `fanout ${editors} ${kind}: p50 ${lat.p50.toFixed(1)} p99 ${lat.p99.toFixed(1)} ms, ` +
        (split
          ? `same p99 ${same.p99.toFixed(1)} cross p99 ${cross.p99.toFixed(1)} ms (${w.crossLatencies.length} cross), `
          : '') +
        `${w.delivered}/${w.offered} delivered, server ${cpu.toFixed(2)} s CPU${parts.length ? ` (${parts.join(', ')})` : ''}, generator ` +
        `${machine.generatorCpuSeconds.toFixed(2)} s, others ${machine.othersPct.toFixed(0)} % (${machine.topOthers}), kthreads ${machine.kernelThreadsPct.toFixed(0)} %, irq ${machine.irqPct.toFixed(0)} %, lag p99 ${w.lag.p99Ms.toFixed(1)} ms`,
    )
    const metrics: Record<string, number> = {
      latP50: lat.p50,
      latP95: lat.p95,
      latP99: lat.p99,
      latMax: lat.max,
      deliveredPerSec: w.delivered / (o.fanoutSeconds || 1),
      deliveredRatio: w.offered ? w.delivered / w.offered : NaN,
      cpuUsPerDelivery: w.delivered ? (cpu * 1e6) / w.delivered : NaN,
      cpuSeconds: cpu,
      cpuMainSeconds: used.main,
      cpuOtherThreadsSeconds: used.other,
      cpuUsPerUpdate: w.sent ? (cpu * 1e6) / w.sent : NaN,
      peakRssMiB: peak / 2 ** 20,
      genLagP99: w.lag.p99Ms,
      genCpuSeconds: machine.generatorCpuSeconds,
      othersPct: machine.othersPct,
      irqPct: machine.irqPct,
      kernelThreadsPct: machine.kernelThreadsPct,
    }
    if (split) {
      metrics.latSameP50 = same.p50
      metrics.latSameP99 = same.p99
      metrics.latCrossP50 = cross.p50
      metrics.latCrossP99 = cross.p99
      metrics.crossOverSameP99 = cross.p99 / same.p99
    }
    if (Number.isFinite(used.db)) {
      metrics.cpuDbSeconds = used.db
      metrics.cpuDbSharedSeconds = used.dbShared
      metrics.dbOtherDatabasesPct = (100 * used.dbOtherDatabases) / used.seconds / cpus().length
      metrics.dbSharedIdleMs = 1000 * server.dbSharedIdlePerSecond
    }
    if (Number.isFinite(used.redis)) metrics.cpuRedisSeconds = used.redis
    notes.push(...used.notes)
    const delta = (name: string): number => (metrics1.get(name) ?? 0) - (metrics0.get(name) ?? 0)
    const commits = delta('tandem_commit_duration_seconds_count')
    if (commits > 0) {
      // Batches go to the writer thread without waiting for each other: the summed latency over
      // the window is the mean number in flight.
      metrics.commits = commits
      metrics.commitMsMean = (1000 * delta('tandem_commit_duration_seconds_sum')) / commits
      metrics.commitBusyPct =
        (100 * delta('tandem_commit_duration_seconds_sum')) / (w.sendMs / 1000)
      metrics.batchMean = delta('tandem_commit_batch_updates_sum') / commits
      const d = 'tandem_commit_duration_seconds'
      metrics.commitP99Ms = 1000 * histogramQuantile(metrics0, metrics1, d, 0.99)
      metrics.commitMaxBucketMs = 1000 * histogramQuantile(metrics0, metrics1, d, 1)
    }
    if (ack) {
      metrics.ackP50 = ackLat.p50
      metrics.ackP95 = ackLat.p95
      metrics.ackP99 = ackLat.p99
      if (w.pendingAcks > 0) notes.push(`${w.pendingAcks} saved-acks never arrived`)
    }
    if (w.unmatched || w.unparsed) notes.push(`unmatched ${w.unmatched}, unparsed ${w.unparsed}`)
    if (machine.topOthers) notes.push(`busiest other processes: ${machine.topOthers}`)
    if (w.late) notes.push(`${w.late} sends > 5 ms late`)
    if (w.closedEarly) notes.push(`${w.closedEarly} sockets closed early`)
    const lagVoid = w.lag.p99Ms > voidLagP99Ms
    if (lagVoid) notes.push(`generator lag p99 ${w.lag.p99Ms.toFixed(1)} ms > ${voidLagP99Ms}`)
    return {
      server: kind,
      metrics,
      facts: { converged: conv.converged, convergence: conv.detail },
      void: lagVoid || room.connectFailures.length > 0,
      notes,
    }
  } finally {
    await server.stop()
    await server.cleanup()
  }
}
