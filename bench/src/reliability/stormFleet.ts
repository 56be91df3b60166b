/**
 * A thread's share of the storm: its clients, their counts, and the checks that need their
 * bookkeeping (which edits each client saw saved). The bench runs one fleet per worker thread
 * (stormWorker.ts); the scaled-down test runs one in its own thread with the web's scheduler.
 */
import WebSocket from 'ws'
import * as Y from 'yjs'
import { SyncMessageType, decodeMessage, encodeSyncStep1 } from '@tandem/shared'
import { nowMs, seededRandom } from '../clock.js'
import { StormClient, editKey, makeEdits, stormMapName, type ClientEvents } from './stormClient.js'
import { realTimers, type ReconnectorFactory } from './reconnectPolicy.js'

/** One client of the plan: its global number and its room. */
export interface ClientSpec {
  index: number
  room: string
  replica: boolean
}

export interface FleetOptions {
  port: number
  clients: ClientSpec[]
  editsPerClient: number
  seed: number
  reconnector: ReconnectorFactory
}

/** Where a fleet stands, relative to a moment `since` (a restart), in plain numbers. */
export interface FleetStatus {
  clients: number
  /** Synced now. */
  synced: number
  /** Synced now on a socket opened after `since`. */
  resynced: number
  gaveUp: number
  /** Milliseconds from `since` to each resynced client's sync, sorted. */
  resyncMs: number[]
  /** Attempts from `since` to the sync, per resynced client (1 = the first retry worked). */
  attemptsHistogram: Record<number, number>
  closeCodes: Record<number, number>
  /** Since the mark: ms from `since` to each client's first close (how the drop spread), sorted. */
  dropMs: number[]
  /** Since the mark: how long each attempt that never opened lasted, ms, sorted. */
  failedAttemptMs: number[]
  released: number
  acked: number
  /** Clients whose released edits are not all saved yet. */
  unsaved: number
}

/** What a fresh reader found in this fleet's rooms. */
export interface VerifyResult {
  rooms: number
  readersFailed: number
  /** Edits a client had seen saved that the document does not hold (must be 0). */
  lostSaved: number
  /** Saved edits checked. */
  checkedSaved: number
  /** Edits released but never saved (0 once the storm has settled). */
  neverSaved: number
  /** Replicas whose map differs from the fresh reader's. */
  replicasDiverged: number
  replicasChecked: number
}

export class StormFleet {
  readonly clients: StormClient[]
  readonly closeCodes: Record<number, number> = {}
  private attemptsAtMark = new Int32Array(0)
  private droppedAt = new Float64Array(0)
  private failedAttemptMs: number[] = []
  private silentTimer: NodeJS.Timeout | undefined
  private waiters: Array<() => void> = []
  private readonly slot = new Map<StormClient, number>()
  /** Clients that have synced at least once. */
  private everSynced = 0

  constructor(private readonly options: FleetOptions) {
    const events: ClientEvents = {
      synced: (client) => {
        if (client.syncs === 1) this.everSynced++
        const waiters = this.waiters
        this.waiters = []
        for (const w of waiters) w()
      },
      closed: (client, code, openedSocket, attemptMs) => {
        this.closeCodes[code] = (this.closeCodes[code] ?? 0) + 1
        const i = this.slot.get(client) as number
        if (Number.isNaN(this.droppedAt[i])) this.droppedAt[i] = nowMs()
        if (!openedSocket) this.failedAttemptMs.push(attemptMs)
      },
      attempt: () => {},
    }
    const random = seededRandom(options.seed)
    this.clients = options.clients.map(
      (spec) =>
        new StormClient({
          url: `ws://127.0.0.1:${options.port}/sync/${spec.room}?ack=1`,
          index: spec.index,
          // Yjs client ids must be unique per document and non-zero.
          edits: makeEdits(spec.index, spec.index + 1, options.editsPerClient),
          replica: spec.replica,
          reconnector: options.reconnector,
          timers: realTimers,
          random,
          events,
        }),
    )
    this.attemptsAtMark = new Int32Array(this.clients.length)
    this.droppedAt = new Float64Array(this.clients.length).fill(NaN)
    this.clients.forEach((c, i) => this.slot.set(c, i))
    // One sweep for all clients, like the y-websocket client's check every 3 s.
    this.silentTimer = setInterval(() => {
      const now = nowMs()
      for (const c of this.clients) c.checkSilent(now)
    }, 3_000)
    this.silentTimer.unref()
  }

  /**
   * Opens every client, at most `concurrency` unsynced at a time (the initial ramp is setup, not
   * the storm); resolves once all are synced or `timeoutMs` passed, with how many synced.
   */
  async connectAll(concurrency: number, timeoutMs: number): Promise<number> {
    const deadline = nowMs() + timeoutMs
    let next = 0
    const pending = (): number => next - this.everSynced
    while (next < this.clients.length && nowMs() < deadline) {
      while (next < this.clients.length && pending() < concurrency) {
        ;(this.clients[next++] as StormClient).start()
      }
      await this.nextSync(Math.max(1, deadline - nowMs()))
    }
    while (this.clients.some((c) => !c.synced) && nowMs() < deadline) {
      await this.nextSync(Math.max(1, deadline - nowMs()))
    }
    return this.clients.filter((c) => c.synced).length
  }

  private nextSync(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.min(timeoutMs, 1_000))
      this.waiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  /** Lets every client make edits up to `count`. */
  release(count: number): void {
    for (const c of this.clients) c.release(count)
  }

  /** Remembers the attempt counts now, so a status can say how many attempts a resync took. */
  mark(): void {
    this.clients.forEach((c, i) => (this.attemptsAtMark[i] = c.attemptsTotal))
    this.droppedAt.fill(NaN)
    this.failedAttemptMs = []
  }

  status(since: number): FleetStatus {
    const resyncMs: number[] = []
    const attemptsHistogram: Record<number, number> = {}
    let synced = 0
    let gaveUp = 0
    let released = 0
    let acked = 0
    let unsaved = 0
    this.clients.forEach((c, i) => {
      if (c.synced) synced++
      if (c.gaveUp !== undefined) gaveUp++
      released += c.released
      acked += c.acked
      if (c.acked < c.released) unsaved++
      if (c.synced && c.syncedAt > since) {
        resyncMs.push(c.syncedAt - since)
        const attempts = c.attemptsTotal - (this.attemptsAtMark[i] ?? 0)
        attemptsHistogram[attempts] = (attemptsHistogram[attempts] ?? 0) + 1
      }
    })
    resyncMs.sort((a, b) => a - b)
    const dropMs = Array.from(this.droppedAt)
      .filter((t) => !Number.isNaN(t))
      .map((t) => t - since)
      .sort((a, b) => a - b)
    return {
      dropMs,
      failedAttemptMs: [...this.failedAttemptMs].sort((a, b) => a - b),
      clients: this.clients.length,
      synced,
      resynced: resyncMs.length,
      gaveUp,
      resyncMs,
      attemptsHistogram,
      closeCodes: { ...this.closeCodes },
      released,
      acked,
      unsaved,
    }
  }

  /**
   * Reads every room of this fleet with a fresh connection (no ack, nothing sent but step 1)
   * and checks that each edit its client saw saved is there, and that replicas agree.
   */
  async verify(timeoutMs: number): Promise<VerifyResult> {
    const byRoom = new Map<string, StormClient[]>()
    this.options.clients.forEach((spec, i) => {
      const list = byRoom.get(spec.room) ?? []
      list.push(this.clients[i] as StormClient)
      byRoom.set(spec.room, list)
    })
    const result: VerifyResult = {
      rooms: byRoom.size,
      readersFailed: 0,
      lostSaved: 0,
      checkedSaved: 0,
      neverSaved: 0,
      replicasDiverged: 0,
      replicasChecked: 0,
    }
    const rooms = [...byRoom.entries()]
    let next = 0
    const worker = async (): Promise<void> => {
      for (;;) {
        const entry = rooms[next++]
        if (!entry) return
        const [room, clients] = entry
        const doc = await readDocument(this.options.port, room, timeoutMs)
        if (!doc) {
          result.readersFailed++
          continue
        }
        const map = doc.getMap<number>(stormMapName)
        for (const c of clients) {
          for (let k = 0; k < c.acked; k++) {
            result.checkedSaved++
            if (!map.has(editKey(c.index, k))) result.lostSaved++
          }
          result.neverSaved += c.released - c.acked
          if (c.replica) {
            result.replicasChecked++
            const mine = JSON.stringify(sorted(c.replica.getMap<number>(stormMapName).toJSON()))
            if (mine !== JSON.stringify(sorted(map.toJSON()))) result.replicasDiverged++
          }
        }
        doc.destroy()
      }
    }
    await Promise.all(Array.from({ length: 20 }, worker))
    return result
  }

  /** Stops every client (no reconnects) and the silent-socket sweep. */
  stop(): void {
    clearInterval(this.silentTimer)
    for (const c of this.clients) c.stop()
  }
}

function sorted(o: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/**
 * The document `room` as a fresh client sees it: step 1 with an empty state vector, the server's
 * step 2 applied to a new Y.Doc. Undefined if it is not synced within `timeoutMs` (refused,
 * closed, timed out).
 */
export function readDocument(
  port: number,
  room: string,
  timeoutMs: number,
): Promise<Y.Doc | undefined> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/sync/${room}`, { perMessageDeflate: false })
    const doc = new Y.Doc()
    let settled = false
    const done = (ok: boolean): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      ws.terminate()
      if (!ok) doc.destroy()
      resolve(ok ? doc : undefined)
    }
    const timer = setTimeout(() => done(false), timeoutMs)
    ws.on('error', () => {})
    ws.on('close', () => done(false))
    ws.on('open', () => ws.send(encodeSyncStep1(new Uint8Array([0]))))
    ws.on('message', (data: Buffer) => {
      if (data[0] !== 0 || data[1] !== SyncMessageType.step2) return
      const message = decodeMessage(data)
      if (message.type !== 'sync-step2') return
      Y.applyUpdate(doc, message.update)
      done(true)
    })
  })
}
