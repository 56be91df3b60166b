/**
 * The storm's clients behind one interface, whether they live in this thread (the scaled-down
 * test) or in worker threads (the bench, so generating 5,000 clients is not the bottleneck).
 */
import { Worker } from 'node:worker_threads'
import type { LagStats } from '../rpc.js'
import { StormFleet, type ClientSpec, type FleetStatus, type VerifyResult } from './stormFleet.js'
import type { ReconnectorFactory } from './reconnectPolicy.js'

/** The clients of a storm, wherever they run. */
export interface Fleets {
  /** Opens every client (ramped); resolves with how many synced within `timeoutMs`. */
  connectAll(concurrency: number, timeoutMs: number): Promise<number>
  release(count: number): Promise<void>
  mark(): Promise<void>
  status(since: number): Promise<FleetStatus>
  verify(timeoutMs: number): Promise<VerifyResult>
  /** Generator threads' event-loop delay since the last call (undefined in-thread). */
  lag(): Promise<LagStats | undefined>
  stop(): Promise<void>
}

/** Plain-data plan of one fleet (it crosses to worker threads). */
export interface FleetPlan {
  port: number
  clients: ClientSpec[]
  editsPerClient: number
  seed: number
  /** Worker threads only: the web client's backoff (default) or, to compare, the stock one's. */
  policy?: 'web' | 'stock'
}

/** All clients in this thread, with the given reconnect scheduler (the test passes the web's). */
export class LocalFleets implements Fleets {
  readonly fleet: StormFleet

  constructor(plan: FleetPlan, reconnector: ReconnectorFactory) {
    this.fleet = new StormFleet({ ...plan, reconnector })
  }

  connectAll(concurrency: number, timeoutMs: number): Promise<number> {
    return this.fleet.connectAll(concurrency, timeoutMs)
  }
  async release(count: number): Promise<void> {
    this.fleet.release(count)
  }
  async mark(): Promise<void> {
    this.fleet.mark()
  }
  async status(since: number): Promise<FleetStatus> {
    return this.fleet.status(since)
  }
  verify(timeoutMs: number): Promise<VerifyResult> {
    return this.fleet.verify(timeoutMs)
  }
  async lag(): Promise<LagStats | undefined> {
    return undefined
  }
  async stop(): Promise<void> {
    this.fleet.stop()
  }
}

/** Commands a storm worker understands (stormWorker.ts). */
export type WorkerCommand =
  'init' | 'connectAll' | 'release' | 'mark' | 'status' | 'verify' | 'lag' | 'stop'

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void }

/** One fleet per worker thread; answers are merged as if it were one fleet. */
export class ThreadedFleets implements Fleets {
  private readonly workers: Worker[]
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private stopped = false

  private constructor(count: number) {
    this.workers = Array.from({ length: count }, () => {
      const w = new Worker(new URL('./stormWorker.js', import.meta.url))
      w.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
        const p = this.pending.get(msg.id)
        if (!p) return
        this.pending.delete(msg.id)
        if (msg.error !== undefined) p.reject(new Error(`storm worker: ${msg.error}`))
        else p.resolve(msg.result)
      })
      w.on('error', (err) => {
        for (const p of this.pending.values()) p.reject(err)
        this.pending.clear()
      })
      return w
    })
  }

  /** Starts `plans.length` workers, one fleet each. */
  static async start(plans: FleetPlan[]): Promise<ThreadedFleets> {
    const fleets = new ThreadedFleets(plans.length)
    await Promise.all(plans.map((plan, i) => fleets.call(i, 'init', plan)))
    return fleets
  }

  private call<T>(worker: number, cmd: WorkerCommand, args?: unknown): Promise<T> {
    const w = this.workers[worker] as Worker
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      w.postMessage({ id, cmd, args })
    })
  }

  private all<T>(cmd: WorkerCommand, args?: unknown): Promise<T[]> {
    return Promise.all(this.workers.map((_, i) => this.call<T>(i, cmd, args)))
  }

  async connectAll(concurrency: number, timeoutMs: number): Promise<number> {
    const per = Math.max(1, Math.ceil(concurrency / this.workers.length))
    const counts = await this.all<number>('connectAll', { concurrency: per, timeoutMs })
    return counts.reduce((a, b) => a + b, 0)
  }
  async release(count: number): Promise<void> {
    await this.all('release', count)
  }
  async mark(): Promise<void> {
    await this.all('mark')
  }
  async status(since: number): Promise<FleetStatus> {
    return mergeStatus(await this.all<FleetStatus>('status', since))
  }
  async verify(timeoutMs: number): Promise<VerifyResult> {
    const parts = await this.all<VerifyResult>('verify', timeoutMs)
    const out = { ...(parts[0] as VerifyResult) }
    for (const p of parts.slice(1)) {
      for (const k of Object.keys(out) as Array<keyof VerifyResult>) out[k] += p[k]
    }
    return out
  }
  async lag(): Promise<LagStats | undefined> {
    const all = await this.all<LagStats>('lag')
    return {
      p50Ms: Math.max(...all.map((l) => l.p50Ms)),
      p99Ms: Math.max(...all.map((l) => l.p99Ms)),
      maxMs: Math.max(...all.map((l) => l.maxMs)),
    }
  }
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    await this.all('stop').catch(() => undefined)
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}

/** Several fleets' statuses as one. */
export function mergeStatus(parts: FleetStatus[]): FleetStatus {
  const out: FleetStatus = {
    clients: 0,
    synced: 0,
    resynced: 0,
    gaveUp: 0,
    resyncMs: [],
    attemptsHistogram: {},
    closeCodes: {},
    dropMs: [],
    failedAttemptMs: [],
    released: 0,
    acked: 0,
    unsaved: 0,
  }
  for (const p of parts) {
    out.clients += p.clients
    out.synced += p.synced
    out.resynced += p.resynced
    out.gaveUp += p.gaveUp
    out.released += p.released
    out.acked += p.acked
    out.unsaved += p.unsaved
    out.resyncMs.push(...p.resyncMs)
    out.dropMs.push(...p.dropMs)
    out.failedAttemptMs.push(...p.failedAttemptMs)
    for (const [k, v] of Object.entries(p.attemptsHistogram)) {
      out.attemptsHistogram[Number(k)] = (out.attemptsHistogram[Number(k)] ?? 0) + v
    }
    for (const [k, v] of Object.entries(p.closeCodes)) {
      out.closeCodes[Number(k)] = (out.closeCodes[Number(k)] ?? 0) + v
    }
  }
  out.resyncMs.sort((a, b) => a - b)
  out.dropMs.sort((a, b) => a - b)
  out.failedAttemptMs.sort((a, b) => a - b)
  return out
}
