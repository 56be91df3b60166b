/**
 * The reconnect storm, shared by `pnpm storm` and server/test/storm.test.ts: connect every
 * client, save one edit each (steady state), then per restart: release one more edit (in flight
 * when the server goes), stop the server with SIGTERM or SIGKILL, start it again on the same
 * data directory and port, and wait until every client has synced again and everything it sent
 * is saved. Finally one more edit each, and a fresh reader per document checks that every edit a
 * client saw acknowledged is in the document.
 */
import { machineCpu } from '@tandem/testkit'
import { nowMs, pollUntil } from '../clock.js'
import type { LagStats } from '../rpc.js'
import type { Fleets } from './fleets.js'
import type { FleetStatus, VerifyResult } from './stormFleet.js'
import type { ServerUnderTest } from './serverUnderTest.js'

/** A restart: an operator's stop (SIGTERM, graceful) or a crash (SIGKILL). */
export type RestartKind = 'SIGTERM' | 'SIGKILL'

export interface StormOptions {
  restarts: RestartKind[]
  /** Handshakes in flight at once during the initial ramp (setup, not measured). */
  rampConcurrency: number
  /** How long every phase may take before the run is declared failed, in ms. */
  phaseTimeoutMs: number
  /** Sample server RSS (the bench; the test skips it). */
  measureMemory: boolean
  log?: (line: string) => void
}

export interface RestartResult {
  kind: RestartKind
  /** From the signal to the old process's exit, ms. */
  downMs: number
  /** From the signal to the new process answering /readyz, ms. */
  readyMs: number
  /** Every client synced again within the deadline. */
  allResynced: boolean
  /** From the signal to the last client's sync, ms (NaN if not all did). */
  lastSyncMs: number
  /** Same, from the new process being ready. */
  lastSyncAfterReadyMs: number
  p50Ms: number
  p90Ms: number
  p99Ms: number
  /** Everything sent (incl. the edit in flight at the signal) saved again, ms after the signal. */
  allSavedMs: number
  status: FleetStatus
  /** Close codes the clients saw during this restart (delta). */
  closeCodes: Record<number, number>
  /** RSS before the restart (steady state), the new process's peak, and its RSS once settled. */
  steadyRssBytes: number
  peakRssBytes: number
  settledRssBytes: number
  /** CPU seconds the new process used until every client had resynced. */
  serverCpuSeconds: number
  generatorLag: LagStats | undefined
  /**
   * From the signal until every client resynced, in % of the machine's cores: everything, this
   * process (the generator), and other processes than the generator and the server (noise).
   */
  machineBusyPct: number
  generatorPct: number
  othersPct: number
  serverExitedUnexpectedly: number
}

export interface StormResult {
  clients: number
  connected: number
  connectMs: number
  /** From releasing one edit per client (all connected, steady) until all are saved, ms. */
  steadyEditsSavedMs: number
  restarts: RestartResult[]
  verify: VerifyResult | undefined
  final: FleetStatus
  /**
   * After the storm, with every client stopped: SIGKILL and start again on the same data, ms from
   * the signal to ready. What the restart costs without a herd knocking (NaN if not measured).
   */
  quietRestartMs: number
  /** The run could not go on (what failed). */
  aborted?: string
}

/** Percentile `q` (0–1) of sorted numbers; NaN when empty. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number
}

function diffCodes(
  after: Record<number, number>,
  before: Record<number, number>,
): Record<number, number> {
  const out: Record<number, number> = {}
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[Number(k)] ?? 0)
    if (d) out[Number(k)] = d
  }
  return out
}

/** RSS sampled every 100 ms for `ms`; the highest value (a steady state's honest figure). */
async function sampleRss(server: ServerUnderTest, ms: number): Promise<number> {
  let max = 0
  await pollUntil(
    () => {
      max = Math.max(max, server.rss().rssBytes)
      return false
    },
    ms,
    100,
  )
  return max
}

/** Runs the storm against a started server; never throws for a server failure, reports it. */
export async function runStorm(
  server: ServerUnderTest,
  fleets: Fleets,
  clients: number,
  options: StormOptions,
): Promise<StormResult> {
  const log = options.log ?? (() => {})
  const timeout = options.phaseTimeoutMs
  const result: StormResult = {
    clients,
    connected: 0,
    connectMs: NaN,
    steadyEditsSavedMs: NaN,
    restarts: [],
    verify: undefined,
    final: await fleets.status(0),
    quietRestartMs: NaN,
  }
  const allSaved = async (): Promise<boolean> => {
    const s = await fleets.status(0)
    return s.acked === s.released
  }

  const t = nowMs()
  result.connected = await fleets.connectAll(options.rampConcurrency, timeout)
  result.connectMs = nowMs() - t
  log(`connected ${result.connected}/${clients} in ${Math.round(result.connectMs)} ms`)
  if (result.connected < clients) {
    result.aborted = `only ${result.connected} of ${clients} clients connected`
    return result
  }
  let edits = 1
  const t1 = nowMs()
  await fleets.release(edits)
  const firstSaved = await pollUntil(allSaved, timeout, 20)
  result.steadyEditsSavedMs = nowMs() - t1
  if (!firstSaved) {
    result.aborted = 'the first edits were not all saved'
    return result
  }
  let steadyRss = options.measureMemory ? await sampleRss(server, 1_000) : 0

  for (const kind of options.restarts) {
    const before = await fleets.status(0)
    await fleets.lag()
    await fleets.mark()
    // One more edit each, sent now: in flight (some saved, some not) when the signal lands.
    await fleets.release(++edits)
    const machine0 = machineCpu()
    const gen0 = process.cpuUsage()
    const t0 = nowMs()
    const unexpected = server.unexpectedExits.length
    const stopped = await server.kill(kind, 30_000)
    const downMs = nowMs() - t0
    log(`${kind}: old server exited (${stopped.status}) after ${Math.round(downMs)} ms`)
    await server.start(timeout)
    const readyMs = nowMs() - t0
    const cpu0 = server.cpuSeconds()
    log(`${kind}: new server ready after ${Math.round(readyMs)} ms`)
    let status = await fleets.status(t0)
    const allResynced = await pollUntil(
      async () => {
        status = await fleets.status(t0)
        return status.resynced === status.clients || !server.alive
      },
      timeout,
      100,
    )
    const resynced = allResynced && status.resynced === status.clients
    const cpu = server.alive ? server.cpuSeconds() - cpu0 : NaN
    const machine1 = machineCpu()
    const gen1 = process.cpuUsage(gen0)
    const capacity = machine1.totalSeconds - machine0.totalSeconds
    const busy = machine1.busySeconds - machine0.busySeconds
    const generator = (gen1.user + gen1.system) / 1e6
    // The old process's CPU after the signal is not known once it has exited: counted as other.
    const others = busy - generator - (Number.isNaN(cpu) ? 0 : cpu)
    const lastSyncMs = resynced ? (status.resyncMs.at(-1) as number) : NaN
    const saved = await pollUntil(allSaved, timeout, 100)
    const allSavedMs = saved ? nowMs() - t0 : NaN
    const peak = options.measureMemory && server.alive ? server.rss().peakRssBytes : 0
    const settled = options.measureMemory && server.alive ? await sampleRss(server, 1_000) : 0
    const r: RestartResult = {
      kind,
      downMs,
      readyMs,
      allResynced: resynced,
      lastSyncMs,
      lastSyncAfterReadyMs: lastSyncMs - readyMs,
      p50Ms: percentile(status.resyncMs, 0.5),
      p90Ms: percentile(status.resyncMs, 0.9),
      p99Ms: percentile(status.resyncMs, 0.99),
      allSavedMs,
      status,
      closeCodes: diffCodes(status.closeCodes, before.closeCodes),
      steadyRssBytes: steadyRss,
      peakRssBytes: peak,
      settledRssBytes: settled,
      serverCpuSeconds: cpu,
      generatorLag: await fleets.lag(),
      machineBusyPct: (100 * busy) / capacity,
      generatorPct: (100 * generator) / capacity,
      othersPct: (100 * others) / capacity,
      serverExitedUnexpectedly: server.unexpectedExits.length - unexpected,
    }
    result.restarts.push(r)
    log(
      `${kind}: ${status.resynced}/${status.clients} resynced, last after ${Math.round(lastSyncMs)} ms, ` +
        `all saved after ${Math.round(allSavedMs)} ms, gave up ${status.gaveUp}`,
    )
    steadyRss = settled
    if (!server.alive) {
      result.aborted = `the server exited during the ${kind} storm`
      break
    }
    if (!resynced || !saved) {
      result.aborted = `${kind}: ${resynced ? 'not everything was saved' : 'not every client resynced'} within ${timeout} ms`
      break
    }
  }

  if (!result.aborted) {
    await fleets.release(++edits)
    if (!(await pollUntil(allSaved, timeout, 100)))
      result.aborted = 'the last edits were not all saved'
  }
  if (server.alive) result.verify = await fleets.verify(timeout)
  result.final = await fleets.status(0)
  if (options.measureMemory && server.alive) {
    await fleets.stop()
    const t1 = nowMs()
    await server.kill('SIGKILL')
    await server.start(timeout)
    result.quietRestartMs = nowMs() - t1
  }
  return result
}
