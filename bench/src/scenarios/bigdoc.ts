/**
 * Big-document join: upload a seeded editing history, keep one client in the room so every server
 * keeps the document loaded, and time J sequential joins (hot). For servers that persist, restart
 * the server on the same data before each cold join, so every cold join loads from storage.
 * A join is timed from `new WebSocket()` to the server's sync step 2; bytes count every byte
 * received until then.
 */
import { join } from 'node:path'
import type { Ctx } from '../context.js'
import { progress, roomId } from '../context.js'
import { delay } from '../clock.js'
import { matches, type History } from '../bigdoc.js'
import type { MetricDef, RunResult } from '../report.js'
import { isTandem, persists, releaseStorage, startServer, type BenchServer } from '../servers.js'
import { summarize } from '../stats.js'
import type { Target } from '../wire.js'
import { closeRoom } from './roomLoad.js'

export const bigdocDefs: MetricDef[] = [
  { key: 'hotP50', label: 'hot join p50 (ms)', better: 'lower' },
  { key: 'hotMax', label: 'hot join max (ms)', better: 'lower' },
  { key: 'hotBytes', label: 'hot join bytes received', better: 'lower', digits: 0 },
  { key: 'coldP50', label: 'cold join p50 (ms)', better: 'lower' },
  { key: 'coldMax', label: 'cold join max (ms)', better: 'lower' },
  { key: 'coldBytes', label: 'cold join bytes received', better: 'lower', digits: 0 },
  { key: 'uploadMs', label: 'history upload (ms)', better: 'lower', digits: 0 },
]

async function timedJoin(
  ctx: Ctx,
  target: Target,
  room: string,
  history: History,
  verify: boolean,
): Promise<{ ms: number; bytes: number; ok: boolean; error?: string }> {
  const r = await ctx.pool.call(0, 'join', {
    target,
    room,
    timeoutMs: 60_000,
    keepPayload: verify,
    hold: false,
  })
  if (!r.ok) return { ms: NaN, bytes: r.bytes, ok: false, error: r.error }
  if (verify && (!r.payload || !matches(history, r.payload))) {
    return {
      ms: r.syncMs,
      bytes: r.bytes,
      ok: false,
      error: 'joiner received a different document',
    }
  }
  return { ms: r.syncMs, bytes: r.bytes, ok: true }
}

export async function bigdoc(
  ctx: Ctx,
  kind: BenchServer,
  history: History,
  rep: number,
): Promise<RunResult> {
  const o = ctx.opts
  const notes: string[] = []
  let server = await startServer(kind)
  const room = roomId(ctx, `big${rep}`, server.target.kind, 0)
  const storage = server.storage
  const metrics: Record<string, number> = {}
  let failed = false
  try {
    const ack = isTandem(kind)
    const up = await ctx.pool.call(0, 'upload', {
      target: server.target,
      room,
      payloads: history.payloads,
      ack,
      timeoutMs: 120_000,
      hold: true,
    })
    if (!up.ok) throw new Error(`upload failed: ${up.error}`)
    metrics.uploadMs = up.ms
    // Without acks (the peers), "uploaded" is confirmed by a joiner seeing the whole document.
    let confirmed = false
    for (let i = 0; i < 100 && !confirmed; i++) {
      confirmed = (await timedJoin(ctx, server.target, room, history, true)).ok
      if (!confirmed) await delay(200)
    }
    if (!confirmed) throw new Error('server never held the full history')
    const hot: number[] = []
    let hotBytes = 0
    for (let j = 0; j < o.joins; j++) {
      const r = await timedJoin(ctx, server.target, room, history, j === 0 || j === o.joins - 1)
      if (!r.ok) {
        failed = true
        notes.push(`hot join ${j}: ${r.error}`)
        break
      }
      hot.push(r.ms)
      hotBytes = r.bytes
    }
    const h = summarize(hot)
    metrics.hotP50 = h.p50
    metrics.hotMax = h.max
    metrics.hotBytes = hotBytes
    progress(`bigdoc ${kind}: hot p50 ${h.p50.toFixed(1)} ms, ${hotBytes} bytes`)
    if (persists(kind)) {
      // Last client leaves (Hocuspocus stores on that), then a graceful stop.
      await closeRoom(ctx)
      await delay(1000)
      await server.stop()
      const cold: number[] = []
      let coldBytes = 0
      for (let j = 0; j < o.coldJoins; j++) {
        server = await startServer(kind, {
          storage,
          ...(o.profile ? { cpuProfDir: join(ctx.profileDir, `cold-${kind}`) } : {}),
        })
        const r = await timedJoin(
          ctx,
          server.target,
          room,
          history,
          j === 0 || j === o.coldJoins - 1,
        )
        await server.stop()
        if (!r.ok) {
          failed = true
          notes.push(`cold join ${j}: ${r.error}`)
          break
        }
        cold.push(r.ms)
        coldBytes = r.bytes
      }
      const c = summarize(cold)
      metrics.coldP50 = c.p50
      metrics.coldMax = c.max
      metrics.coldBytes = coldBytes
      progress(`bigdoc ${kind}: cold p50 ${c.p50.toFixed(1)} ms`)
    }
  } catch (err) {
    failed = true
    notes.push(err instanceof Error ? err.message : String(err))
  } finally {
    await closeRoom(ctx)
    await server.stop()
    await releaseStorage(storage)
  }
  return {
    server: kind,
    metrics,
    facts: {
      history: `${o.bigdocOps} ops, ${history.payloads.length} updates, state ${history.stateBytes} B`,
    },
    void: failed,
    notes,
  }
}
