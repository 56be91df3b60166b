/**
 * The soak, shared by `pnpm soak` and server/test/soak.test.ts: connections opened and closed at
 * a steady pace over many documents, in three kinds: clean (sync, one saved edit, a hold, a
 * close frame), closed mid-sync (step 1 sent, then closed or destroyed before the server's step 2
 * arrives), and abandoned (synced, then the socket is destroyed: no close frame). Afterwards the
 * server must be back where it started: no room loaded once ROOM_IDLE_MS has passed, as many
 * open file descriptors as before, and the heap after a forced GC within 10 % of the start.
 */
import WebSocket from 'ws'
import {
  MessageType,
  SyncMessageType,
  decodeMessage,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
} from '@tandem/shared'
import { delay, nowMs, pollUntil, seededRandom } from '../clock.js'
import { makeEdits } from './stormClient.js'
import type { ServerUnderTest } from './serverUnderTest.js'

export type SoakKind = 'clean' | 'mid-sync' | 'abandoned'

export interface SoakOptions {
  port: number
  connections: number
  docs: number
  /** Connections start evenly over this many ms. */
  durationMs: number
  /** Synced connections stay open a random time up to this, in ms. */
  maxHoldMs: number
  midSyncFraction: number
  abandonFraction: number
  seed: number
  /** Room names: `${roomPrefix}-${n}`. */
  roomPrefix: string
  /** Yjs client ids start here (unique across soaks against one server). */
  clientIdBase: number
  /** Any one connection may take this long before it is counted failed and destroyed, ms. */
  connectionTimeoutMs?: number
  log?: (line: string) => void
}

export interface SoakStats {
  started: number
  byKind: Record<SoakKind, number>
  synced: number
  /** Mid-sync closes that happened before the server's step 2 (the rest synced first). */
  closedBeforeSync: number
  editsSaved: number
  /** Connections that did not do what their kind does in time (must be 0). */
  failed: number
  /** Closes the server started, by code (none expected). */
  serverCloses: Record<number, number>
  maxOpen: number
  wallMs: number
}

/** Runs one connection of `kind`; resolves once its socket is gone. */
function oneConnection(
  o: SoakOptions,
  i: number,
  kind: SoakKind,
  random: () => number,
  stats: SoakStats,
  open: { now: number },
): Promise<void> {
  const room = `${o.roomPrefix}-${Math.floor(random() * o.docs)}`
  const hold = random() * o.maxHoldMs
  const midSyncWay = random()
  return new Promise<void>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${o.port}/sync/${room}?ack=1`, {
      perMessageDeflate: false,
    })
    let synced = false
    let weClosed = false
    let holdTimer: NodeJS.Timeout | undefined
    const timer = setTimeout(() => {
      stats.failed++
      end('destroy')
    }, o.connectionTimeoutMs ?? 30_000)
    open.now++
    stats.maxOpen = Math.max(stats.maxOpen, open.now)
    const end = (how: 'close' | 'destroy'): void => {
      if (weClosed) return
      weClosed = true
      clearTimeout(timer)
      clearTimeout(holdTimer)
      if (how === 'close') ws.close(1000)
      else ws.terminate() // the TCP socket destroyed: no close frame
    }
    ws.on('error', () => {})
    ws.on('close', (code: number) => {
      open.now--
      clearTimeout(timer)
      clearTimeout(holdTimer)
      if (!weClosed) stats.serverCloses[code] = (stats.serverCloses[code] ?? 0) + 1
      if (kind === 'mid-sync' && !synced) stats.closedBeforeSync++
      resolve()
    })
    ws.on('open', () => {
      ws.send(encodeSyncStep1(new Uint8Array([0])))
      if (kind !== 'mid-sync') return
      // Before the server's step 2: a close frame, a destroyed socket, or a close frame as soon
      // as the server's step 1 arrives (its room may still be loading).
      if (midSyncWay < 1 / 3) end('close')
      else if (midSyncWay < 2 / 3) end('destroy')
    })
    ws.on('message', (buf: Buffer) => {
      if (weClosed) return
      const type = buf[0]
      if (type === MessageType.sync && buf[1] === SyncMessageType.step1) {
        if (kind === 'mid-sync') {
          end('close')
          return
        }
        ws.send(encodeSyncStep2(new Uint8Array([0, 0])))
      } else if (type === MessageType.sync && buf[1] === SyncMessageType.step2) {
        synced = true
        stats.synced++
        if (kind === 'mid-sync') return
        const edit = makeEdits(i, o.clientIdBase + i, 1)[0] as Uint8Array
        ws.send(encodeSyncUpdate(edit))
      } else if (type === MessageType.saved) {
        const m = decodeMessage(buf)
        // step 1, step 2, the edit: the third sync message saved means the edit is.
        if (m.type !== 'saved' || m.count < 3 || holdTimer) return
        stats.editsSaved++
        holdTimer = setTimeout(() => end(kind === 'clean' ? 'close' : 'destroy'), hold)
      }
    })
  })
}

/** Opens and closes `connections` connections over `durationMs`; resolves once all are gone. */
export async function runSoak(o: SoakOptions): Promise<SoakStats> {
  const random = seededRandom(o.seed)
  const stats: SoakStats = {
    started: 0,
    byKind: { clean: 0, 'mid-sync': 0, abandoned: 0 },
    synced: 0,
    closedBeforeSync: 0,
    editsSaved: 0,
    failed: 0,
    serverCloses: {},
    maxOpen: 0,
    wallMs: 0,
  }
  const open = { now: 0 }
  const running: Array<Promise<void>> = []
  const start = nowMs()
  const every = o.durationMs / o.connections
  let lastLog = start
  for (let i = 0; i < o.connections; i++) {
    const due = start + i * every
    const wait = due - nowMs()
    if (wait > 1) await delay(wait) // pacing the generator, not waiting for the server
    const r = random()
    const kind: SoakKind =
      r < o.midSyncFraction
        ? 'mid-sync'
        : r < o.midSyncFraction + o.abandonFraction
          ? 'abandoned'
          : 'clean'
    stats.started++
    stats.byKind[kind]++
    running.push(oneConnection(o, i, kind, random, stats, open))
    if (o.log && nowMs() - lastLog > 10_000) {
      lastLog = nowMs()
      o.log(`${stats.started}/${o.connections} started, ${open.now} open, ${stats.failed} failed`)
    }
  }
  await Promise.all(running)
  stats.wallMs = nowMs() - start
  return stats
}

/** What the server holds, as far as leaks go. */
export interface Footprint {
  roomsLoaded: number
  connections: number
  fds: number
  /** Heap in use after a forced full GC (inspector), bytes; NaN when started without it. */
  heapAfterGcBytes: number
  /** nodejs_heap_size_used_bytes scraped right after that GC (the scrape allocates a little). */
  metricsHeapBytes: number
  rssBytes: number
}

/** Reads the server's footprint: file descriptors first (before any probe opens a socket). */
export async function footprint(server: ServerUnderTest): Promise<Footprint> {
  const fds = server.openFds()
  const heapAfterGcBytes = server.inspectorPort ? await server.gcHeapUsedBytes() : NaN
  const m = await server.metrics()
  return {
    roomsLoaded: m.get('tandem_rooms_loaded') ?? NaN,
    connections: m.get('tandem_connections') ?? NaN,
    fds,
    heapAfterGcBytes,
    metricsHeapBytes: m.get('nodejs_heap_size_used_bytes') ?? NaN,
    rssBytes: server.rss().rssBytes,
  }
}

export interface Settled {
  /** ms from the call until tandem_rooms_loaded read 0 (NaN: not within the deadline). */
  roomsZeroMs: number
  /** ms from the call until the open fds were back to `baselineFds` or fewer (NaN: not). */
  fdsBackMs: number
  after: Footprint
}

/**
 * Waits (polling, with deadlines) for the rooms to unload and the descriptors to close, then
 * reads the footprint. `roomIdleMs` is the server's ROOM_IDLE_MS: unloading cannot be sooner.
 */
export async function settle(
  server: ServerUnderTest,
  roomIdleMs: number,
  baselineFds: number,
  slackMs = 15_000,
): Promise<Settled> {
  const t = nowMs()
  const roomsZero = await pollUntil(
    async () => (await server.metrics()).get('tandem_rooms_loaded') === 0,
    roomIdleMs + slackMs,
    100,
  )
  const roomsZeroMs = roomsZero ? nowMs() - t : NaN
  const fdsBack = await pollUntil(() => server.openFds() <= baselineFds, slackMs, 100)
  const fdsBackMs = fdsBack ? nowMs() - t : NaN
  return { roomsZeroMs, fdsBackMs, after: await footprint(server) }
}
