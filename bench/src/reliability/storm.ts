/**
 * `pnpm storm`: the reconnect storm against the built server, at each client count of
 * `--clients` (default 1,000, 2,000 and 5,000, ten per document), each with a SIGTERM and a
 * SIGKILL restart; then the web backoff's spread of 5,000 reconnects on a virtual clock. Figures
 * on stdout (tables), progress on stderr, everything as JSON with `--json FILE`.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { serverMain } from '@tandem/testkit'
import { progress } from '../context.js'
import { waitForQuiet } from '../machine.js'
import { ThreadedFleets, type FleetPlan } from './fleets.js'
import { histogram, simulateReconnects, type JitterResult } from './jitter.js'
import { benchReconnector, stockReconnector } from './reconnectPolicy.js'
import { ServerUnderTest } from './serverUnderTest.js'
import { percentile, runStorm, type RestartKind, type StormResult } from './stormRun.js'

const usage = `pnpm storm [-- options]
  --clients 1000,2000,5000   client counts to run, one storm each (default 1000,2000,5000)
  --per-doc 10               clients per document
  --restarts SIGTERM,SIGKILL the restarts of each storm, in order
  --workers 2                generator worker threads
  --ramp 200                 handshakes in flight during the initial ramp (not measured)
  --timeout 120              seconds any phase may take before the storm is declared failed
  --policy web              web (the web app's jittered backoff) or stock (y-websocket's, no jitter)
  --sim-clients 5000         clients of the virtual-clock backoff simulation
  --sim-only                 only the simulation (no server)
  --tandem-main PATH         run this Tandem main.js instead of server/dist/main.js (a candidate fix)
  --seed 1  --json FILE`

function ints(s: string): number[] {
  return s.split(',').map((x) => {
    const n = Number(x)
    if (!Number.isInteger(n) || n <= 0)
      throw new Error(`not a positive whole number: ${x}\n${usage}`)
    return n
  })
}

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    clients: { type: 'string', default: '1000,2000,5000' },
    'per-doc': { type: 'string', default: '10' },
    restarts: { type: 'string', default: 'SIGTERM,SIGKILL' },
    workers: { type: 'string', default: '2' },
    ramp: { type: 'string', default: '200' },
    timeout: { type: 'string', default: '120' },
    'sim-clients': { type: 'string', default: '5000' },
    'sim-only': { type: 'boolean', default: false },
    policy: { type: 'string', default: 'web' },
    'tandem-main': { type: 'string' },
    seed: { type: 'string', default: '1' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
})
if (values.help) {
  console.log(usage)
  process.exit(0)
}
const counts = ints(values.clients)
const perDoc = ints(values['per-doc'])[0] as number
const workers = ints(values.workers)[0] as number
const ramp = ints(values.ramp)[0] as number
const timeoutMs = (ints(values.timeout)[0] as number) * 1000
const seed = ints(values.seed)[0] as number
if (values.policy !== 'web' && values.policy !== 'stock')
  throw new Error(`--policy web|stock\n${usage}`)
const policy = values.policy
const restarts = values.restarts.split(',').map((r) => {
  if (r !== 'SIGTERM' && r !== 'SIGKILL')
    throw new Error(`--restarts takes SIGTERM and SIGKILL\n${usage}`)
  return r as RestartKind
})

const mb = (b: number): string => (b / 1024 / 1024).toFixed(0)
const s = (ms: number): string => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '–')
const codes = (c: Record<number, number>): string =>
  Object.entries(c)
    .map(([k, v]) => `${k}×${v}`)
    .join(' ') || '–'

async function storm(clients: number): Promise<StormResult> {
  const docs = Math.ceil(clients / perDoc)
  const runId = Math.random().toString(36).slice(2, 8)
  const plans: FleetPlan[] = Array.from({ length: workers }, () => ({
    port: 0,
    clients: [],
    editsPerClient: restarts.length + 2,
    seed: 0,
    policy,
  }))
  for (let i = 0; i < clients; i++) {
    const doc = i % docs
    // Whole documents per worker, so each worker can check its documents with its own ledgers.
    plans[doc % workers]!.clients.push({ index: i, room: `st-${runId}-${doc}`, replica: i < docs })
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-storm-'))
  const main = values['tandem-main']
  const server = new ServerUnderTest({ dataDir, ...(main ? { main: resolve(main) } : {}) })
  let fleets: ThreadedFleets | undefined
  try {
    await server.start()
    plans.forEach((p, w) => {
      p.port = server.port
      p.seed = seed * 1000 + w
    })
    fleets = await ThreadedFleets.start(plans.filter((p) => p.clients.length > 0))
    // Other work on this machine skews every figure: wait (bounded) for a quiet moment.
    const busy = await waitForQuiet(25, 60_000)
    progress(`storm: machine ${busy.toFixed(0)} % busy before the run`)
    progress(`storm: ${clients} clients over ${docs} documents, ${workers} worker threads`)
    return await runStorm(server, fleets, clients, {
      restarts,
      rampConcurrency: ramp,
      phaseTimeoutMs: timeoutMs,
      measureMemory: true,
      log: (line) => progress(`storm ${clients}: ${line}`),
    })
  } finally {
    await fleets?.stop()
    await server.dispose()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

function printStorms(results: StormResult[]): void {
  const how = policy === 'web' ? 'the web client backoff' : "y-websocket's own backoff (no jitter)"
  console.log(`\n## Reconnect storm (${how}, stock protocol, ?ack=1)\n`)
  console.log(
    '| clients | restart | old exit | ready | all resynced | after ready | p50 | p99 | all saved | gave up | lost saved | closes seen | peak RSS / steady | server CPU | gen. lag p99 | machine busy (gen./others) |',
  )
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|')
  for (const r of results) {
    for (const x of r.restarts) {
      const ratio = x.steadyRssBytes ? x.peakRssBytes / x.steadyRssBytes : NaN
      console.log(
        `| ${r.clients} | ${x.kind} | ${s(x.downMs)} s | ${s(x.readyMs)} s | ${x.allResynced ? s(x.lastSyncMs) + ' s' : `NO (${x.status.resynced})`} | ${s(x.lastSyncAfterReadyMs)} s | ${s(x.p50Ms)} s | ${s(x.p99Ms)} s | ${s(x.allSavedMs)} s | ${x.status.gaveUp} | ${r.verify?.lostSaved ?? '?'} | ${codes(x.closeCodes)} | ${mb(x.peakRssBytes)}/${mb(x.steadyRssBytes)} MB = ${ratio.toFixed(2)}× | ${x.serverCpuSeconds.toFixed(1)} s | ${x.generatorLag ? x.generatorLag.p99Ms.toFixed(0) + ' ms' : '–'} | ${x.machineBusyPct.toFixed(0)} % (${x.generatorPct.toFixed(0)}/${x.othersPct.toFixed(0)}) |`,
      )
    }
    const v = r.verify
    console.log(
      `\n${r.clients} clients: connected ${r.connected} in ${s(r.connectMs)} s; one edit each, all at once, all saved after ${s(r.steadyEditsSavedMs)} s; a SIGKILL restart with no client knocking takes ${s(r.quietRestartMs)} s to ready; fresh readers: ${v ? `${v.rooms} documents, ${v.checkedSaved} saved edits checked, ${v.lostSaved} lost, ${v.neverSaved} never saved, ${v.readersFailed} readers failed, replicas ${v.replicasChecked - v.replicasDiverged}/${v.replicasChecked} identical` : 'not run'}${r.aborted ? `; ABORTED: ${r.aborted}` : ''}\n`,
    )
    for (const x of r.restarts) {
      const h = Object.entries(x.status.attemptsHistogram)
        .map(([k, v]) => `${k}:${v}`)
        .join(' ')
      const f = x.status.failedAttemptMs
      console.log(
        `  ${x.kind}: attempts until resynced (attempts:clients) ${h}; clients dropped by ${s(percentile(x.status.dropMs, 0.5))} s (p50), ${s(x.status.dropMs.at(-1) ?? NaN)} s (last); ` +
          `${f.length} attempts failed before opening, lasting p50 ${Math.round(percentile(f, 0.5))} ms, p99 ${Math.round(percentile(f, 0.99))} ms, max ${Math.round(f.at(-1) ?? NaN)} ms`,
      )
    }
  }
}

function bar(n: number, max: number, width = 40): string {
  return '#'.repeat(Math.max(n > 0 ? 1 : 0, Math.round((n / max) * width)))
}

function printJitter(title: string, r: JitterResult): void {
  const last = r.backAtMs.at(-1) ?? 0
  const bucket = Math.max(250, Math.ceil(last / 24 / 250) * 250)
  const back = histogram(r.backAtMs, bucket)
  const tries = histogram(r.attemptAtMs, bucket)
  const max = Math.max(...back.map(([, n]) => n), 1)
  console.log(`\n${title}`)
  console.log(
    `back: p50 ${s(percentile(r.backAtMs, 0.5))} s, p90 ${s(percentile(r.backAtMs, 0.9))} s, p99 ${s(percentile(r.backAtMs, 0.99))} s, last ${s(last)} s; gave up ${r.gaveUp}; attempts per client ${r.attempts
      .map((n, i) => (n ? `${i}:${n}` : ''))
      .filter(Boolean)
      .join(' ')}`,
  )
  console.log('```')
  console.log(`      from  | back | attempts that ${bucket} ms | reconnected`)
  for (let i = 0; i < Math.max(back.length, tries.length); i++) {
    const from = i * bucket
    const n = back[i]?.[1] ?? 0
    const a = tries[i]?.[1] ?? 0
    console.log(
      `  ${(from / 1000).toFixed(2).padStart(7)} s | ${String(n).padStart(4)} | ${String(a).padStart(5)} | ${bar(n, max)}`,
    )
  }
  console.log('```')
}

async function main(): Promise<void> {
  const results: StormResult[] = []
  if (!values['sim-only']) {
    if (!existsSync(serverMain))
      throw new Error('Build the server first: npx tsc -b shared testkit server')
    for (const n of counts) results.push(await storm(n))
    printStorms(results)
  }
  // Downtimes for the simulation: what the largest storm measured, else typical values.
  const measured = results.at(-1)?.restarts ?? []
  const readyOf = (kind: RestartKind, fallback: number): number =>
    measured.find((x) => x.kind === kind)?.readyMs ?? fallback
  const simClients = ints(values['sim-clients'])[0] as number
  console.log(`\n## Web backoff on a virtual clock: ${simClients} clients dropped at t = 0\n`)
  const sims: Record<string, JitterResult> = {}
  const cases: Array<[string, number, number, number | undefined]> = [
    ['SIGTERM (1012)', 1012, readyOf('SIGTERM', 2500), undefined],
    ['SIGKILL (1006)', 1006, readyOf('SIGKILL', 700), undefined],
    [
      'SIGKILL (1006), server admits 1,000 connections/s (1013 beyond)',
      1006,
      readyOf('SIGKILL', 700),
      1000,
    ],
  ]
  for (const [title, code, downMs, admit] of cases) {
    const r = simulateReconnects({
      clients: simClients,
      closeCode: code,
      downMs,
      ...(admit ? { admitPerSec: admit } : {}),
      reconnector: benchReconnector,
      seed,
    })
    sims[title] = r
    printJitter(`### ${title}, server back after ${s(downMs)} s`, r)
  }
  // The same policy over a range of downtimes: where its tail lands (median of 5 seeds' "last").
  console.log(`\n### Web backoff: ${simClients} clients, server down for D seconds (1006)\n`)
  console.log(
    '| D | p50 back | p99 back | last back (median of 5 seeds) | worst of 5 | attempts in the first 0.5 s after D |',
  )
  console.log('|---:|---:|---:|---:|---:|---:|')
  for (const downMs of [500, 1_000, 2_000, 3_000, 5_000, 10_000, 20_000]) {
    const runs = [1, 2, 3, 4, 5].map((k) =>
      simulateReconnects({
        clients: simClients,
        closeCode: 1006,
        downMs,
        reconnector: benchReconnector,
        seed: seed * 100 + k,
      }),
    )
    const lasts = runs.map((r) => r.backAtMs.at(-1) ?? NaN).sort((a, b) => a - b)
    const r = runs[0] as JitterResult
    const burst = r.attemptAtMs.filter((t) => t >= downMs && t < downMs + 500).length
    console.log(
      `| ${s(downMs)} s | ${s(percentile(r.backAtMs, 0.5))} s | ${s(percentile(r.backAtMs, 0.99))} s | ${s(lasts[2] as number)} s | ${s(lasts[4] as number)} s | ${burst} |`,
    )
  }
  const stock = simulateReconnects({
    clients: simClients,
    closeCode: 1006,
    downMs: readyOf('SIGKILL', 700),
    reconnector: stockReconnector,
    seed,
  })
  printJitter(`### For comparison: y-websocket's own backoff (no jitter), SIGKILL`, stock)
  if (values.json) {
    const slim = Object.fromEntries(
      Object.entries(sims).map(([k, r]) => [
        k,
        { ...r, backAtMs: histogram(r.backAtMs, 250), attemptAtMs: histogram(r.attemptAtMs, 250) },
      ]),
    )
    writeFileSync(values.json, JSON.stringify({ storms: results, simulation: slim }, null, 1))
  }
  const failed = results.some(
    (r) =>
      r.aborted || (r.verify?.lostSaved ?? 1) > 0 || r.restarts.some((x) => x.status.gaveUp > 0),
  )
  process.exitCode = failed ? 1 : 0
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
