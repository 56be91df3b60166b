/**
 * A generator worker thread: owns a share of the clients, runs their send schedule, and records
 * deliveries. Commands arrive from the main thread as { id, cmd, args }; every reply is
 * { id, result } or { id, error }.
 */
import { parentPort } from 'node:worker_threads'
import * as Y from 'yjs'
import { BenchConnection, Recorder, benchTextField, type Role } from './connection.js'
import { nowMs, pollUntil, seededRandom } from './clock.js'
import { createLoopMonitor, readLag } from './context.js'
import type { Target } from './wire.js'
import type { Command, CommandArgs, CommandResult, LagStats } from './rpc.js'

const port = parentPort
if (!port) throw new Error('worker.ts runs as a worker thread')

const loopDelay = createLoopMonitor()

let recorder: Recorder | undefined
let connections: BenchConnection[] = []
let editors: BenchConnection[] = []
const editorRandom = new Map<BenchConnection, () => number>()

function lag(): LagStats {
  return readLag(loopDelay)
}

async function connect(a: CommandArgs['connect']): Promise<CommandResult['connect']> {
  const results: CommandResult['connect']['results'] = []
  let next = 0
  const openOne = async (): Promise<void> => {
    for (;;) {
      const i = next++
      const spec = a.clients[i]
      if (!spec) return
      const conn = new BenchConnection(
        a.target,
        spec.room,
        spec.role,
        recorder,
        a.ack,
        spec.clientID,
        spec.role === 'observer',
        a.timeoutMs,
      )
      connections.push(conn)
      if (spec.role === 'editor') {
        editors.push(conn)
        editorRandom.set(conn, seededRandom(a.seed * 7919 + spec.clientID))
      }
      const r = await conn.whenSynced
      results[i] = r.ok
        ? { ok: true, syncMs: r.syncMs }
        : { ok: false, syncMs: NaN, error: r.error }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, a.concurrency) }, openOne))
  return { results }
}

function prepare(a: CommandArgs['prepare']): CommandResult['prepare'] {
  for (const e of editors) e.prepare(a.count, editorRandom.get(e) ?? Math.random)
  return { editors: editors.length }
}

/** Sends every editor's updates at `ratePerEditor`, evenly phased, from `startAt` for `durationMs`. */
function run(a: CommandArgs['run']): Promise<CommandResult['run']> {
  const periodMs = 1000 / a.ratePerEditor
  const perEditor = Math.floor(a.durationMs / periodMs)
  const n = perEditor * editors.length
  const times = new Float64Array(n)
  const who = new Int32Array(n)
  let k = 0
  editors.forEach((e, i) => {
    // Spread phases by the golden ratio of the editor's global index: deterministic and even.
    const phase = ((e.clientID * 0.6180339887) % 1) * periodMs
    for (let s = 0; s < perEditor; s++) {
      times[k] = a.startAt + phase + s * periodMs
      who[k] = i
      k++
    }
  })
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (x, y) => (times[x] as number) - (times[y] as number),
  )
  let idx = 0
  let sent = 0
  let late = 0
  return new Promise((resolve) => {
    const tick = (): void => {
      const now = nowMs()
      while (idx < n) {
        const o = order[idx] as number
        const due = times[o] as number
        if (due > now) break
        if (now - due > 5) late++
        if ((editors[who[o] as number] as BenchConnection).sendNext()) sent++
        idx++
      }
      if (idx >= n) {
        resolve({ sent, late })
        return
      }
      const wait = (times[order[idx] as number] as number) - nowMs()
      if (wait > 1.5) setTimeout(tick, Math.floor(wait - 0.5))
      else setImmediate(tick)
    }
    tick()
  })
}

function collect(): CommandResult['collect'] {
  const rec = recorder
  const closedEarly = connections.filter((c) => c.closeCode !== undefined).length
  const pendingAcks = connections.reduce((n, c) => n + c.pendingAcks, 0)
  if (!rec) {
    return {
      latencies: new Float64Array(0),
      ackLatencies: new Float64Array(0),
      delivered: 0,
      echoes: 0,
      unmatched: 0,
      unparsed: 0,
      dropped: 0,
      sent: 0,
      closedEarly,
      pendingAcks,
      lag: lag(),
    }
  }
  const dropped = rec.latencies.dropped
  const out: CommandResult['collect'] = {
    latencies: rec.latencies.take(),
    ackLatencies: rec.ackLatencies.take(),
    delivered: rec.delivered,
    echoes: rec.echoes,
    unmatched: rec.unmatched,
    unparsed: rec.unparsed,
    dropped,
    sent: editors.reduce((n, e) => n + e.sentCount, 0),
    closedEarly,
    pendingAcks,
    lag: lag(),
  }
  rec.delivered = 0
  rec.echoes = 0
  rec.unmatched = 0
  rec.unparsed = 0
  return out
}

function replicas(): CommandResult['replicas'] {
  return connections
    .filter((c) => c.replica)
    .map((c) => {
      const doc = c.replica as Y.Doc
      return {
        stateVector: Object.fromEntries(Y.decodeStateVector(Y.encodeStateVector(doc))),
        text: doc.getText(benchTextField).toString(),
      }
    })
}

function closeAll(): CommandResult['closeAll'] {
  for (const c of connections) c.close()
  const closed = connections.length
  connections = []
  editors = []
  editorRandom.clear()
  return { closed }
}

async function join(a: CommandArgs['join']): Promise<CommandResult['join']> {
  const conn = new BenchConnection(
    a.target,
    a.room,
    'joiner',
    undefined,
    false,
    -1,
    false,
    a.timeoutMs,
  )
  const r = await conn.whenSynced
  const payload = a.keepPayload ? conn.step2Payload : undefined
  if (a.hold) connections.push(conn)
  else conn.close()
  return { ok: r.ok, syncMs: r.syncMs, bytes: r.bytesToSync, payload, error: r.error }
}

async function upload(a: CommandArgs['upload']): Promise<CommandResult['upload']> {
  const started = nowMs()
  const conn = new BenchConnection(
    a.target,
    a.room,
    'receiver',
    undefined,
    a.ack,
    -1,
    false,
    a.timeoutMs,
  )
  const r = await conn.whenSynced
  if (!r.ok) return { ok: false, ms: NaN, error: r.error }
  conn.sendUpdates(a.payloads)
  // With saved-acks, "uploaded" means durable; otherwise wait for the socket to drain.
  const done = a.ack
    ? await pollUntil(() => conn.lastSaved >= conn.syncMessagesSent, a.timeoutMs, 20)
    : await pollUntil(() => conn.ws.bufferedAmount === 0, a.timeoutMs, 20)
  const ms = nowMs() - started
  if (a.hold) connections.push(conn)
  else conn.close()
  return done ? { ok: true, ms } : { ok: false, ms, error: 'upload not confirmed in time' }
}

function setup(a: CommandArgs['setup']): CommandResult['setup'] {
  recorder = new Recorder(new Float64Array(a.sendTimes), a.clientBase, a.maxSeq, a.numEditors)
  return { ok: true }
}

const handlers: {
  [K in Command]: (args: CommandArgs[K]) => CommandResult[K] | Promise<CommandResult[K]>
} = {
  setup,
  connect,
  prepare,
  run,
  collect,
  replicas,
  closeAll,
  join,
  upload,
  lag: () => lag(),
}

port.on('message', (msg: { id: number; cmd: Command; args: never }) => {
  void (async () => {
    try {
      const result = await handlers[msg.cmd](msg.args)
      const transfer: ArrayBuffer[] = []
      if (msg.cmd === 'collect') {
        const c = result as CommandResult['collect']
        transfer.push(c.latencies.buffer as ArrayBuffer, c.ackLatencies.buffer as ArrayBuffer)
      }
      port.postMessage({ id: msg.id, result }, transfer)
    } catch (err) {
      port.postMessage({ id: msg.id, error: err instanceof Error ? err.stack : String(err) })
    }
  })()
})

export type { Role, Target }
