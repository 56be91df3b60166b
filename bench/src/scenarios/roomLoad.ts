/**
 * One room full of editors (and a few observers with full replicas) spread over the worker
 * threads: connect, pre-generate updates, send on schedule, drain, collect. Fan-out and
 * saturation are both built from these steps.
 */
import * as Y from 'yjs'
import type { Ctx } from '../context.js'
import { worstLag, mainLag } from '../context.js'
import { delay, nowMs, pollUntil } from '../clock.js'
import { benchTextField } from '../connection.js'
import type { ClientSpec, CommandResult, LagStats } from '../rpc.js'
import { concat } from '../stats.js'
import type { Target } from '../wire.js'
import { clientBaseFor, editorInstance, observerClientId, splitLatencies } from '../instances.js'

/**
 * Yjs clientIDs of editors are clientBase + index; small and distinct from random ids. Runs over
 * several instances use a larger base that also tells each client's instance (instances.ts).
 */
export const clientBase = 1000

export interface Room {
  /** The first instance (late joiners of the convergence check connect there). */
  target: Target
  /** Every instance: editor i and observer i talk to targets[i mod n]. */
  targets: Target[]
  room: string
  editors: number
  observers: number
  /** Clients in the room; an update reaches all but its sender. */
  clients: number
  connectFailures: string[]
}

/**
 * Connects `editors` editors and `observers` observers, round-robin over the workers; with
 * several targets (instances), editor i and observer i talk to targets[i mod n], so each instance
 * gets an equal share of both.
 */
export async function openRoom(
  ctx: Ctx,
  targets: Target[],
  room: string,
  editors: number,
  observers: number,
  maxSeq: number,
  ack: boolean,
): Promise<Room> {
  const workers = ctx.pool.size
  const n = targets.length
  const base = clientBaseFor(n)
  const sendTimes = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT * editors * maxSeq)
  await ctx.pool.all('setup', () => ({
    sendTimes,
    clientBase: base,
    maxSeq,
    numEditors: editors,
  }))
  // specs[instance][worker]
  const specs: ClientSpec[][][] = targets.map(() => Array.from({ length: workers }, () => []))
  for (let i = 0; i < editors; i++) {
    const inst = editorInstance(i, n)
    specs[inst]?.[i % workers]?.push({ room, role: 'editor', clientID: base + i })
  }
  for (let i = 0; i < observers; i++) {
    const inst = i % n
    specs[inst]?.[(editors + i) % workers]?.push({
      room,
      role: 'observer',
      clientID: observerClientId(base, inst),
    })
  }
  const connectFailures: string[] = []
  for (const [inst, target] of targets.entries()) {
    const results = await ctx.pool.all('connect', (w) => ({
      target,
      clients: specs[inst]?.[w] ?? [],
      ack,
      concurrency: Math.max(1, Math.floor(ctx.opts.concurrency / workers)),
      timeoutMs: 20_000,
      seed: ctx.opts.seed,
    }))
    connectFailures.push(
      ...results.flatMap((r) => r.results.filter((x) => !x.ok).map((x) => x.error ?? 'failed')),
    )
  }
  return {
    target: targets[0] as Target,
    targets,
    room,
    editors,
    observers,
    clients: editors + observers,
    connectFailures,
  }
}

export interface Window {
  sent: number
  late: number
  /** Deliveries expected: every sent update to every client but its sender. */
  offered: number
  delivered: number
  echoes: number
  unmatched: number
  unparsed: number
  closedEarly: number
  pendingAcks: number
  /** Every delivery's latency (ms). */
  latencies: Float64Array
  /** Deliveries that stayed on one instance (all of them for single-instance servers). */
  sameLatencies: Float64Array
  /** Deliveries whose editor and receiver were on different instances (empty for one). */
  crossLatencies: Float64Array
  ackLatencies: Float64Array
  lag: LagStats
  sendMs: number
}

/** Drops whatever the workers recorded so far (connect phase) and resets loop-delay counters. */
export async function resetWindow(ctx: Ctx): Promise<void> {
  await ctx.pool.all('collect', () => undefined)
  mainLag(ctx)
}

/**
 * Sends for `durationMs` at `ratePerEditor` from every editor, then waits up to `drainMs` for the
 * stragglers (ending early once everything expected has arrived), then collects.
 */
export async function sendWindow(
  ctx: Ctx,
  room: Room,
  ratePerEditor: number,
  durationMs: number,
  drainMs: number,
): Promise<Window> {
  const perEditor = Math.floor(durationMs / (1000 / ratePerEditor))
  await ctx.pool.all('prepare', () => ({ count: perEditor }))
  const startAt = nowMs() + 200
  const runs = await ctx.pool.all('run', () => ({ startAt, durationMs, ratePerEditor }))
  const sendMs = nowMs() - startAt
  const sent = runs.reduce((n, r) => n + r.sent, 0)
  const offered = sent * (room.clients - 1)
  // The drain has no counter command of its own: poll with a short sleep and a deadline.
  const parts: CommandResult['collect'][] = []
  let delivered = 0
  await pollUntil(
    async () => {
      parts.push(...(await ctx.pool.all('collect', () => undefined)))
      delivered = parts.reduce((n, p) => n + p.delivered, 0)
      return delivered >= offered
    },
    drainMs,
    100,
  )
  const last = parts.slice(-ctx.pool.size)
  const split = splitLatencies(concat(parts.map((p) => p.latencies)))
  return {
    sent,
    late: runs.reduce((n, r) => n + r.late, 0),
    offered,
    delivered,
    echoes: parts.reduce((n, p) => n + p.echoes, 0),
    unmatched: parts.reduce((n, p) => n + p.unmatched, 0),
    unparsed: parts.reduce((n, p) => n + p.unparsed, 0),
    closedEarly: Math.max(0, ...last.map((p) => p.closedEarly)),
    pendingAcks: last.reduce((n, p) => n + p.pendingAcks, 0),
    latencies: split.all,
    sameLatencies: split.same,
    crossLatencies: split.cross,
    ackLatencies: concat(parts.map((p) => p.ackLatencies)),
    lag: worstLag([...parts.map((p) => p.lag), mainLag(ctx)]),
    sendMs,
  }
}

export interface Convergence {
  converged: boolean
  detail: string
}

/**
 * Checks that every observer replica and a fresh late joiner hold exactly what the editors sent:
 * same state vector (every editor's clock equals its sent count) and same text.
 */
export async function checkConvergence(
  ctx: Ctx,
  room: Room,
  expectedUpdates: number,
): Promise<Convergence> {
  const replicas = (await ctx.pool.all('replicas', () => undefined)).flat()
  const join = await ctx.pool.call(0, 'join', {
    target: room.target,
    room: room.room,
    timeoutMs: 20_000,
    keepPayload: true,
    hold: false,
  })
  if (!join.ok || !join.payload)
    return { converged: false, detail: `late join failed: ${join.error}` }
  const late = new Y.Doc()
  Y.applyUpdate(late, join.payload)
  const lateState = {
    stateVector: Object.fromEntries(Y.decodeStateVector(Y.encodeStateVector(late))),
    text: late.getText(benchTextField).toString(),
  }
  const all = [...replicas, lateState]
  const ref = lateState
  const refSv = JSON.stringify(ref.stateVector)
  const mismatched = all.filter(
    (r) => r.text !== ref.text || JSON.stringify(r.stateVector) !== refSv,
  )
  const totalClock = Object.values(ref.stateVector).reduce((n, c) => n + c, 0)
  if (mismatched.length > 0) {
    return { converged: false, detail: `${mismatched.length}/${all.length} replicas differ` }
  }
  if (totalClock !== expectedUpdates) {
    return { converged: false, detail: `server holds ${totalClock} of ${expectedUpdates} updates` }
  }
  return {
    converged: true,
    detail: `${all.length} replicas equal, ${Object.keys(ref.stateVector).length} clients, clock sum ${totalClock}`,
  }
}

/** Closes every client in every worker and waits a moment for sockets to finish closing. */
export async function closeRoom(ctx: Ctx): Promise<void> {
  await ctx.pool.all('closeAll', () => undefined)
  await delay(200)
}
