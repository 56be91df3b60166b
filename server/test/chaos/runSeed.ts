/**
 * One chaos seed: clients (web-app wiring and stock providers) edit one new document on a built
 * server while the schedule drops their sockets, takes them offline and back, closes tabs, and
 * stops (SIGTERM) or kills (SIGKILL) the server and starts it again on the same data directory
 * and port. Then everyone comes back online, must save everything and converge; the tabs close,
 * the server is killed once more and started, and a newcomer must get the same document. Then
 * {@link verify} judges it all.
 *
 * The schedule (who does what, when the server goes down and for how long) follows from the seed;
 * what each edit touches depends on what has arrived by then, so a replay runs the same schedule
 * over timing that may differ.
 */
import { setImmediate as immediate, setTimeout as delay } from 'node:timers/promises'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'
import { ChaosServer } from './ChaosServer.js'
import { StockClient, WebClient, type ChaosClient } from './clients.js'
import { Rng } from './Rng.js'
import { seedText } from './settings.js'
import { verify, type Verdict } from './verify.js'

/** How a seed is sized. */
export interface SeedOptions {
  /** Schedule steps (an edit, a burst, a drop, offline/online, a closed tab, a pause). */
  steps: number
  /** Server stops and kills during the schedule: from `min` to `max` (seeded). */
  serverOps: { min: number; max: number }
  /** Multiplies the reconnect scheduler's delays (default 0.1: a 50 ms first window, not 500). */
  reconnectScale?: number
  /** How long everyone gets to reconnect, save and converge at the end, in milliseconds. */
  healTimeoutMs?: number
}

/** What happened in one seed, for the log and the totals. */
export interface SeedStats {
  clients: number
  webClients: number
  edits: number
  offlineEdits: number
  departed: number
  drops: number
  offlinePeriods: number
  /** Reconnects the web clients' ReconnectScheduler scheduled. */
  schedulerReconnects: number
  /** SIGTERM restarts and SIGKILLs during the schedule (the final SIGKILL not counted). */
  restarts: number
  kills: number
  ms: number
  /** CPU seconds of this process and of the server's processes during the seed. */
  cpuSeconds: { harness: number; server: number }
  /** Milliseconds per phase, e.g. `start 3×900 schedule 1200 heal 900 final 600`. */
  phases: string
}

export interface SeedResult {
  seed: number
  failures: string[]
  stats: SeedStats
  verdict: Verdict | undefined
  /**
   * The server, running and healthy, when the seed passed: the next seed may go on with it (one
   * start fewer). Disposed, and absent, when the seed failed.
   */
  server: ChaosServer | undefined
}

type ServerOp = 'restart' | 'kill'

/** Steps the server may stay down for after a stop or kill. */
const MAX_DOWN_STEPS = 12

/**
 * Runs one seed to the end and judges it; never throws (a crash of the harness is a failure).
 * Uses `server` if given (a previous seed's, running), else starts a new one.
 */
export async function runSeed(
  seed: number,
  options: SeedOptions,
  given?: ChaosServer,
): Promise<SeedResult> {
  const started = performance.now()
  const cpuBefore = process.cpuUsage()
  const rng = new Rng(seed)
  const failures: string[] = []
  const server = given ?? (await ChaosServer.create())
  const serverCpuBefore = server.cpuSeconds
  const problemsBefore = server.problems.length
  const crashesBefore = server.crashes.length
  const clients: ChaosClient[] = []
  const everyone: ChaosClient[] = []
  const readers: WebsocketProvider[] = []
  const counts = { drops: 0, offlinePeriods: 0, departures: 0, restarts: 0, kills: 0 }
  const phases = new Phases()
  let verdict: Verdict | undefined
  let starting: Promise<void> | undefined
  try {
    if (!server.running) await phases.time('start', () => server.start())
    const docId = await createDocument(server.http)
    const reconnectScale = options.reconnectScale ?? 0.1
    let nextName = 0
    const join = (web: boolean): ChaosClient => {
      const name = `${web ? 'w' : 's'}${nextName++}`
      const client = web
        ? new WebClient(name, server.ws, docId, rng.fork(), reconnectScale)
        : new StockClient(name, server.ws, docId, rng.fork())
      clients.push(client)
      everyone.push(client)
      return client
    }
    // At least two clients with the web app's wiring and one stock provider.
    const size = rng.between(3, 5)
    for (let i = 0; i < size; i++) join(i < 2 || (i > 2 && rng.chance(0.5)))
    await waitUntil(
      () => clients.every((c) => c.synced),
      15_000,
      'the clients to sync',
      () => clients.map((c) => c.describe()),
    )

    // The server goes down (SIGTERM or SIGKILL) at seeded, spread-out steps and comes back a
    // seeded number of steps later: at once, or after the clients edited offline for a while.
    // Half the time the schedule waits for it to be up; otherwise the clients carry on while it
    // starts (and their reconnects fail until it listens).
    const plan = planServerOps(rng, options)
    let restartAt = -1
    phases.begin('schedule')
    for (let step = 0; step < options.steps; step++) {
      const kind = plan.get(step)
      if (kind) {
        await starting
        starting = undefined
        if (kind === 'kill') await server.kill()
        else await server.stop()
        counts[kind === 'kill' ? 'kills' : 'restarts']++
        restartAt = step + rng.between(0, MAX_DOWN_STEPS)
      }
      if (step === restartAt) {
        starting = phases.time('start', () => server.start())
        // Also caught here: a failed start must not count as unhandled before it is awaited.
        starting.catch(() => {})
        if (rng.chance(0.5)) {
          await starting
          starting = undefined
        }
      }
      const live = clients.filter((c) => !c.departed)
      const offline = live.filter((c) => c.offline)
      const action = rng.weighted({
        edit: 58,
        burst: 8,
        drop: 6,
        offline: 4,
        online: offline.length > 0 ? 8 : 0,
        depart: 1.5,
        pause: 10,
      })
      const who = rng.pick(live)
      switch (action) {
        case 'edit':
          who.edit()
          break
        case 'burst': {
          const n = rng.between(3, 8)
          for (let i = 0; i < n; i++) who.edit()
          break
        }
        case 'drop':
          if (!who.offline && who.drop()) counts.drops++
          break
        case 'offline':
          if (!who.offline) {
            who.goOffline()
            counts.offlinePeriods++
          }
          break
        case 'online':
          rng.pick(offline).goOnline()
          break
        case 'depart':
          // The tab closes with whatever it had not saved; someone opens the document anew.
          who.depart()
          counts.departures++
          clients.splice(clients.indexOf(who), 1)
          join(who instanceof WebClient)
          break
        case 'pause':
          // Pacing, not synchronisation: acks, relays and reconnects happen between steps.
          await delay(rng.between(20, 60))
          break
      }
      if (rng.chance(0.5)) await immediate()
      else await delay(rng.between(1, 12))
    }
    await starting
    starting = undefined
    if (!server.running) await phases.time('start', () => server.start())

    // Heal: everyone back online; all must reconnect (web clients when their scheduler says so),
    // save everything and hold the same document.
    for (const c of clients) if (c.offline) c.goOnline()
    phases.begin('heal')
    try {
      await waitUntil(
        () => clients.every((c) => c.synced && c.allSaved) && converged(clients),
        options.healTimeoutMs ?? 20_000,
        'every client to reconnect, save everything and converge',
        () => clients.map((c) => c.describe()),
      )
    } catch (error) {
      failures.push((error as Error).message)
    }

    // What the server holds after a crash: the tabs close, SIGKILL, a fresh start, a newcomer.
    let stored: Y.Doc | undefined
    phases.begin('final')
    if (failures.length === 0) {
      for (const c of clients) c.close()
      await server.kill()
      await phases.time('start', () => server.start())
      const reader = new WebsocketProvider(server.ws, docId, new Y.Doc(), {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        disableBc: true,
      })
      readers.push(reader)
      await waitUntil(() => reader.synced, 15_000, 'a newcomer to sync after the final SIGKILL')
      stored = reader.doc
    }
    verdict = verify({
      clients: everyone,
      live: clients,
      stored,
      problems: server.problems.slice(problemsBefore),
      crashes: server.crashes.slice(crashesBefore),
    })
    failures.push(...verdict.failures)
  } catch (error) {
    failures.push(`the run stopped: ${(error as Error).stack ?? String(error)}`)
  } finally {
    await starting?.catch(() => {})
    for (const c of clients) c.close()
    for (const r of readers) {
      r.destroy()
      r.doc.destroy()
    }
    if (failures.length > 0) {
      failures.push(`seed ${seedText(seed)}: the server's last output:\n${server.output(15)}`)
    }
  }
  const cpu = process.cpuUsage(cpuBefore)
  const stats: SeedStats = {
    clients: everyone.length,
    webClients: everyone.filter((c) => c instanceof WebClient).length,
    edits: everyone.reduce((n, c) => n + c.edits.length, 0),
    offlineEdits: everyone.reduce((n, c) => n + c.edits.filter((e) => e.offline).length, 0),
    departed: counts.departures,
    drops: counts.drops,
    offlinePeriods: counts.offlinePeriods,
    schedulerReconnects: everyone.reduce(
      (n, c) => n + (c instanceof WebClient ? c.delays.length : 0),
      0,
    ),
    restarts: counts.restarts,
    kills: counts.kills,
    ms: performance.now() - started,
    cpuSeconds: {
      harness: (cpu.user + cpu.system) / 1e6,
      server: server.cpuSeconds - serverCpuBefore,
    },
    phases: phases.summary(),
  }
  if (failures.length > 0) {
    await server.dispose()
    return { seed, failures, stats, verdict, server: undefined }
  }
  return { seed, failures, stats, verdict, server }
}

/**
 * The seed's server operations: between `min` and `max` of them (at least one SIGTERM and one
 * SIGKILL when there are two or more), in evenly spaced slots with seeded jitter, so one outage
 * ends before the next begins.
 */
function planServerOps(rng: Rng, options: SeedOptions): Map<number, ServerOp> {
  const { steps } = options
  const count = rng.between(options.serverOps.min, options.serverOps.max)
  const kinds: ServerOp[] = count >= 2 ? ['restart', 'kill'] : []
  while (kinds.length < count) kinds.push(rng.pick(['restart', 'kill'] as const))
  const plan = new Map<number, ServerOp>()
  const slot = Math.floor((steps * 0.8) / Math.max(1, count))
  const jitter = Math.max(0, slot - MAX_DOWN_STEPS - 1)
  shuffle(kinds, rng).forEach((kind, i) => {
    plan.set(Math.floor(steps * 0.1) + i * slot + rng.int(jitter + 1), kind)
  })
  return plan
}

/** All clients hold the same document: same state vector and delete set. */
export function converged(clients: readonly ChaosClient[]): boolean {
  const [first, ...rest] = clients
  if (!first) return true
  const snapshot = Y.snapshot(first.doc)
  return rest.every((c) => Y.equalSnapshots(snapshot, Y.snapshot(c.doc)))
}

async function createDocument(http: string): Promise<string> {
  const res = await fetch(`${http}/api/docs`, { method: 'POST' })
  if (res.status !== 201) throw new Error(`creating the document failed: ${res.status}`)
  return ((await res.json()) as { id: string }).id
}

/** Polls `condition` every 10 ms until it holds; throws after `timeoutMs`, with `details`. */
async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
  what: string,
  details: () => string[] = () => [],
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}\n  ${details().join('\n  ')}`,
      )
    }
    await delay(10)
  }
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}

/** Wall-clock time per phase of a seed, for the log (where did the seconds go?). */
class Phases {
  readonly #ms = new Map<string, number[]>()
  #current: { name: string; at: number } | undefined

  /** Ends the current sequential phase and starts `name`. */
  begin(name: string): void {
    const now = performance.now()
    if (this.#current) this.#add(this.#current.name, now - this.#current.at)
    this.#current = { name, at: now }
  }

  /** Times one (possibly overlapping) operation under `name`. */
  async time<T>(name: string, run: () => Promise<T>): Promise<T> {
    const at = performance.now()
    try {
      return await run()
    } finally {
      this.#add(name, performance.now() - at)
    }
  }

  /** E.g. `start 3×900 schedule 1200 heal 400 final 1100`. */
  summary(): string {
    if (this.#current) this.#add(this.#current.name, performance.now() - this.#current.at)
    this.#current = undefined
    return [...this.#ms]
      .map(([name, ms]) => {
        const total = ms.reduce((a, b) => a + b, 0)
        return ms.length > 1
          ? `${name} ${ms.length}×${(total / ms.length).toFixed(0)}`
          : `${name} ${total.toFixed(0)}`
      })
      .join(' ')
  }

  #add(name: string, ms: number): void {
    this.#ms.set(name, [...(this.#ms.get(name) ?? []), ms])
  }
}
