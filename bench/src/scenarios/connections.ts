/**
 * Many rooms and idle connections: R rooms × C clients connect and sync (bounded concurrency),
 * then sit idle. Connect-and-sync time from `new WebSocket()` to the server's sync step 2, and
 * server RSS growth per connection (median of several samples after settling, minus the median
 * before connecting).
 */
import type { Ctx } from '../context.js'
import { progress, roomId } from '../context.js'
import { delay } from '../clock.js'
import type { MetricDef, RunResult } from '../report.js'
import { startServer, type BenchServer, type RunningServer } from '../servers.js'
import { median, summarize } from '../stats.js'
import type { ClientSpec, CommandResult } from '../rpc.js'
import { closeRoom, resetWindow } from './roomLoad.js'

export const roomsDefs: MetricDef[] = [
  { key: 'syncP50', label: 'connect-and-sync p50 (ms)', better: 'lower' },
  { key: 'syncP99', label: 'connect-and-sync p99 (ms)', better: 'lower' },
  {
    key: 'rssPerConnKiB',
    label: 'server RSS / connection (KiB; Tandem instances summed)',
    better: 'lower',
    digits: 1,
  },
  {
    key: 'cpuSeconds',
    label: 'server CPU seconds, connect phase (PostgreSQL, Redis included)',
    better: 'lower',
  },
  { key: 'genLagP99', label: 'generator loop lag p99 (ms)' },
]

export const idleDefs: MetricDef[] = [
  {
    key: 'rssPerConnKiB',
    label: 'server RSS / idle connection (KiB; Tandem instances summed)',
    better: 'lower',
    digits: 1,
  },
  {
    key: 'rssMiB',
    label: 'server RSS with all connected (MiB; instances summed)',
    better: 'lower',
    digits: 1,
  },
  { key: 'syncP50', label: 'connect-and-sync p50 (ms)', better: 'lower' },
  { key: 'syncP99', label: 'connect-and-sync p99 (ms)', better: 'lower' },
]

async function sampleRss(
  server: RunningServer,
  samples: number,
  intervalMs: number,
): Promise<number> {
  const values: number[] = []
  for (let i = 0; i < samples; i++) {
    values.push(server.memory().rssBytes)
    await delay(intervalMs)
  }
  return median(values)
}

export async function connections(
  ctx: Ctx,
  kind: BenchServer,
  scenario: 'rooms' | 'idle',
  rooms: number,
  perRoom: number,
  rep: number,
): Promise<RunResult> {
  const server = await startServer(kind)
  const notes: string[] = []
  try {
    const workers = ctx.pool.size
    // Let the fresh process finish starting up before taking the baseline.
    await delay(1000)
    const before = await sampleRss(server, 5, 100)
    await server.measureIdle(1000)
    // specs[instance][worker]: with several instances, a room's clients alternate between them.
    const targets = server.targets
    const specs: ClientSpec[][][] = targets.map(() => Array.from({ length: workers }, () => []))
    let n = 0
    for (let r = 0; r < rooms; r++) {
      const room = roomId(ctx, `${scenario}${rep}`, server.target.kind, r)
      for (let c = 0; c < perRoom; c++) {
        specs[n % targets.length]?.[n % workers]?.push({ room, role: 'receiver', clientID: -1 })
        n++
      }
    }
    await resetWindow(ctx)
    const meter = server.meter()
    // The instances' shares connect at the same time (split of the same concurrency).
    const perCall = Math.max(1, Math.floor(ctx.opts.concurrency / workers / targets.length))
    const byTarget = await Promise.all(
      targets.map((target, inst) =>
        ctx.pool.all('connect', (w) => ({
          target,
          clients: specs[inst]?.[w] ?? [],
          ack: false,
          concurrency: perCall,
          timeoutMs: 30_000,
          seed: ctx.opts.seed,
        })),
      ),
    )
    const results: CommandResult['connect'][] = byTarget.flat()
    const used = meter.close()
    const cpu = used.total
    const lags = await ctx.pool.all('lag', () => undefined)
    const flat = results.flatMap((r) => r.results)
    const failed = flat.filter((r) => !r.ok)
    if (failed.length) notes.push(`${failed.length} of ${flat.length} failed: ${failed[0]?.error}`)
    await delay(scenario === 'idle' ? 3000 : 1500)
    const after = await sampleRss(server, 10, 100)
    const connected = flat.length - failed.length
    const sync = summarize(flat.filter((r) => r.ok).map((r) => r.syncMs))
    await closeRoom(ctx)
    const rssPerConnKiB = connected ? (after - before) / connected / 1024 : NaN
    progress(
      `${scenario} ${kind}: ${connected} connected, sync p50 ${sync.p50.toFixed(1)} p99 ${sync.p99.toFixed(1)} ms, ` +
        `RSS ${(before / 2 ** 20).toFixed(0)}→${(after / 2 ** 20).toFixed(0)} MiB (${rssPerConnKiB.toFixed(1)} KiB/conn)`,
    )
    return {
      server: kind,
      metrics: {
        syncP50: sync.p50,
        syncP99: sync.p99,
        rssPerConnKiB,
        rssMiB: after / 2 ** 20,
        cpuSeconds: cpu,
        genLagP99: Math.max(...lags.map((l) => l.p99Ms)),
      },
      facts: { connected: `${connected}/${flat.length}` },
      void: failed.length > 0,
      notes,
    }
  } finally {
    await server.stop()
    await server.cleanup()
  }
}
