/**
 * Saturation: one room of editors; the offered load rises by a fixed factor per step until
 * delivered/offered drops below 99 % or latency p99 passes 100 ms (a failing step is repeated
 * once, and only a second failure ends the ramp). The result is the highest
 * deliveries/s of a passing step. A failing step during which the generator itself lagged
 * (p99 > 10 ms) cannot be blamed on the server: the result is then void (a lower bound).
 */
import { join } from 'node:path'
import type { Ctx } from '../context.js'
import { progress, roomId, voidLagP99Ms } from '../context.js'
import type { MetricDef, RunResult } from '../report.js'
import { CpuWindow } from '../machine.js'
import { startServer, type BenchServer } from '../servers.js'
import { histogramQuantile } from '../tandemMetrics.js'
import { summarize } from '../stats.js'
import { delay } from '../clock.js'
import { closeRoom, openRoom, resetWindow, sendWindow } from './roomLoad.js'

export const saturationDefs: MetricDef[] = [
  {
    key: 'maxDeliveriesPerSec',
    label: 'highest sustained deliveries/s',
    better: 'higher',
    digits: 0,
  },
  { key: 'maxUpdatesPerSec', label: 'offered updates/s at that step', digits: 0 },
  { key: 'p99AtMax', label: 'latency p99 at that step (ms)' },
  {
    key: 'cpuUsPerDeliveryAtMax',
    label: 'server CPU µs / delivery at that step (PostgreSQL, Redis included)',
    better: 'lower',
  },
  { key: 'serverCpuPctAtMax', label: 'server CPU % of one core at that step', digits: 0 },
  { key: 'crossP99AtMax', label: 'several instances: cross-instance p99 at that step (ms)' },
  { key: 'sameP99AtMax', label: 'several instances: same-instance p99 at that step (ms)' },
  { key: 'genLagP99AtMax', label: 'generator loop lag p99 at that step (ms)' },
  { key: 'othersPctAtMax', label: 'other processes, % of machine', digits: 0 },
]

const minRatio = 0.99
const maxP99Ms = 100

export async function saturation(ctx: Ctx, kind: BenchServer, rep: number): Promise<RunResult> {
  const o = ctx.opts
  const server = await startServer(
    kind,
    o.profile ? { cpuProfDir: join(ctx.profileDir, `saturation-${kind}`) } : {},
  )
  const notes: string[] = []
  const steps: string[] = []
  try {
    const rates = Array.from({ length: o.satMaxSteps }, (_, i) => o.satStart * o.satFactor ** i)
    // Room for every step twice (a failing step is retried once).
    const perEditorTotal =
      2 * rates.reduce((n, r) => n + Math.floor((o.satStepSeconds * r) / o.satEditors) + 1, 0)
    const room = await openRoom(
      ctx,
      server.targets,
      roomId(ctx, `sat-r${rep}`, server.target.kind, 0),
      o.satEditors,
      0,
      perEditorTotal + 10,
      false,
    )
    if (room.connectFailures.length) notes.push(`${room.connectFailures.length} connect failures`)
    let best: Record<string, number> | undefined
    let stop = 'max steps reached'
    let generatorBound = false
    let retried = -1
    await server.measureIdle(2000)
    for (let i = 0; i < rates.length; i++) {
      const total = rates[i] as number
      await resetWindow(ctx)
      const metrics0 = await server.scrapeMetrics()
      const meter = server.meter()
      const window = new CpuWindow()
      const w = await sendWindow(ctx, room, total / o.satEditors, o.satStepSeconds * 1000, 2000)
      const used = meter.close()
      const cpu = used.total
      const machine = window.close(used.pids)
      const metrics1 = await server.scrapeMetrics()
      const commitP99 =
        1000 * histogramQuantile(metrics0, metrics1, 'tandem_commit_duration_seconds', 0.99)
      const lat = summarize(w.latencies)
      const ratio = w.offered ? w.delivered / w.offered : 0
      const perSec = w.delivered / o.satStepSeconds
      steps.push(
        `${Math.round(total)}/s→${Math.round(perSec)} d/s p99 ${lat.p99.toFixed(0)}` +
          (Number.isFinite(commitP99) ? ` (commit p99 ≤${commitP99} ms)` : ''),
      )
      progress(
        `saturation ${kind}: ${Math.round(total)} upd/s offered, ${Math.round(perSec)} deliveries/s, ` +
          `ratio ${ratio.toFixed(3)}, p99 ${lat.p99.toFixed(1)} ms, lag p99 ${w.lag.p99Ms.toFixed(1)} ms, ` +
          `server ${cpu.toFixed(2)} s, generator ${machine.generatorCpuSeconds.toFixed(2)} s CPU, others ${machine.othersPct.toFixed(0)} %`,
      )
      const pass = ratio >= minRatio && lat.p99 <= maxP99Ms && w.closedEarly === 0
      if (!pass && retried !== i && server.alive) {
        // One bad step on a shared machine may be someone else's burst: confirm it once.
        retried = i
        i--
        await delay(2000)
        continue
      }
      if (!pass) {
        stop = `stopped at ${Math.round(total)} upd/s: ratio ${ratio.toFixed(3)}, p99 ${lat.p99.toFixed(0)} ms`
        if (w.lag.p99Ms > voidLagP99Ms) generatorBound = true
        break
      }
      best = {
        maxDeliveriesPerSec: perSec,
        maxUpdatesPerSec: total,
        p99AtMax: lat.p99,
        cpuUsPerDeliveryAtMax: w.delivered ? (cpu * 1e6) / w.delivered : NaN,
        genLagP99AtMax: w.lag.p99Ms,
        serverCpuPctAtMax: (100 * cpu) / o.satStepSeconds,
        othersPctAtMax: machine.othersPct,
      }
      if (server.targets.length > 1) {
        best.crossP99AtMax = summarize(w.crossLatencies).p99
        best.sameP99AtMax = summarize(w.sameLatencies).p99
      }
      if (!server.alive) {
        stop = 'server died'
        break
      }
    }
    await closeRoom(ctx)
    notes.push(stop)
    if (generatorBound) notes.push(`generator lagged > ${voidLagP99Ms} ms at the failing step`)
    return {
      server: kind,
      metrics: best ?? { maxDeliveriesPerSec: 0 },
      facts: { steps: steps.join('; ') },
      void: generatorBound,
      notes,
    }
  } finally {
    await server.stop()
    await server.cleanup()
  }
}
