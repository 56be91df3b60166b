/**
 * One storm client: what the web app does on the wire, without a browser or a provider. A raw
 * WebSocket speaks y-websocket through the shared codec (`?ack=1`, like the web app), keeps its
 * own edits until the server says they are saved, resends whatever is unsaved in the step 2 of
 * every new connection (the web app's SaveTracker does the same through Yjs), and reconnects
 * with the web client's jittered backoff. Only a few clients per room keep a full Y.Doc
 * (`replica`); the rest read one header byte of each message, so thousands fit on one core.
 */
import WebSocket from 'ws'
import * as Y from 'yjs'
import {
  MessageType,
  SyncMessageType,
  decodeMessage,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  isPermanentClose,
} from '@tandem/shared'
import { nowMs } from '../clock.js'
import type { ReconnectorFactory, Reconnector, Timers } from './reconnectPolicy.js'

/** The Y.Map every storm edit writes into. */
export const stormMapName = 'storm'

/** The map key of client `client`'s edit number `k`. */
export function editKey(client: number, k: number): string {
  return `c${client}e${k}`
}

/**
 * Pre-generates client `client`'s `count` edits as Yjs updates (clientID `clientID`): edit k
 * sets key editKey(client, k), so a reader can tell exactly which edits a document holds.
 */
export function makeEdits(client: number, clientID: number, count: number): Uint8Array[] {
  const doc = new Y.Doc()
  doc.clientID = clientID
  const out: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => out.push(update))
  const map = doc.getMap<number>(stormMapName)
  for (let k = 0; k < count; k++) map.set(editKey(client, k), k)
  doc.destroy()
  return out
}

/** What the stock y-websocket client (and so the web app) does with a socket silent this long. */
export const SILENT_SOCKET_MS = 30_000
/** The close code the web app passes on for a socket that went silent or failed to open. */
const SILENT_SOCKET_CODE = 1006

const emptyStateVector = new Uint8Array([0])
const emptyUpdate = new Uint8Array([0, 0])

/** Receives what a client does, for its fleet's counts. */
export interface ClientEvents {
  synced(client: StormClient): void
  /** `openedSocket`: the handshake completed; `attemptMs`: how long the socket existed. */
  closed(client: StormClient, code: number, openedSocket: boolean, attemptMs: number): void
  attempt(client: StormClient): void
}

export interface StormClientOptions {
  /** ws://127.0.0.1:<port>/sync/<room>?ack=1 */
  url: string
  /** Global client number (edit keys, Yjs client id). */
  index: number
  edits: Uint8Array[]
  replica: boolean
  reconnector: ReconnectorFactory
  timers: Timers
  random: () => number
  events: ClientEvents
}

export class StormClient {
  readonly index: number
  readonly edits: Uint8Array[]
  readonly replica: Y.Doc | undefined
  private readonly reconnector: Reconnector
  private ws: WebSocket | undefined
  /** Edits the driver has let this client make (it has them "typed", sent or not). */
  released = 0
  /** Edits the server has said are saved: always a prefix of the edits. */
  acked = 0
  /** The current socket has received the server's step 2. */
  synced = false
  /** When the current socket synced (nowMs), NaN when it has not. */
  syncedAt = NaN
  /** Connection attempts, sockets opened, syncs, all since the start. */
  attemptsTotal = 0
  syncs = 0
  /** The permanent close code that made it give up, if one did. */
  gaveUp: number | undefined
  /** When the last byte arrived on the current socket (nowMs), for the silent-socket rule. */
  lastHeardAt = 0
  private stopped = false
  private attemptStartedAt = 0
  private opened = false
  /** Sync messages sent on the current socket (what a saved-ack counts). */
  private messages = 0
  /** Edits handed to the current socket (step 2 or updates). */
  private sentUpTo = 0
  private step2Sent = false
  /** Per sync message that carried edits: its number, and how many edits are saved once it is. */
  private ackMessage: number[] = []
  private ackUpTo: number[] = []

  constructor(private readonly options: StormClientOptions) {
    this.index = options.index
    this.edits = options.edits
    if (options.replica) this.replica = new Y.Doc()
    this.reconnector = options.reconnector(() => this.connect(), options.timers, options.random)
  }

  /** Opens the first socket. */
  start(): void {
    this.connect()
  }

  /** Lets the client make edits up to `count` (sent now if the socket is ready, else later). */
  release(count: number): void {
    const from = this.released
    this.released = Math.max(this.released, Math.min(count, this.edits.length))
    // A replica is this client's own document: its edits are in it as soon as they are made.
    if (this.replica) {
      for (let k = from; k < this.released; k++)
        Y.applyUpdate(this.replica, this.edits[k] as Uint8Array)
    }
    this.flush()
  }

  /** Closes for good: no reconnect. */
  stop(): void {
    this.stopped = true
    this.reconnector.cancel()
    this.ws?.terminate()
    this.ws = undefined
  }

  /** Failed attempts since the last sync (the backoff's exponent). */
  get attempts(): number {
    return this.reconnector.attempts
  }

  /** The y-websocket client's rule: a socket that heard nothing for 30 s is closed and retried. */
  checkSilent(now: number): void {
    if (this.ws && now - this.lastHeardAt > SILENT_SOCKET_MS) this.ws.terminate()
  }

  private connect(): void {
    if (this.stopped) return
    this.attemptsTotal++
    this.options.events.attempt(this)
    this.messages = 0
    this.step2Sent = false
    this.sentUpTo = this.acked
    this.ackMessage = []
    this.ackUpTo = []
    this.synced = false
    this.syncedAt = NaN
    this.lastHeardAt = nowMs()
    this.attemptStartedAt = this.lastHeardAt
    this.opened = false
    const ws = new WebSocket(this.options.url, { perMessageDeflate: false })
    this.ws = ws
    ws.on('error', () => {}) // 'close' follows every error
    ws.on('open', () => {
      this.opened = true
      this.lastHeardAt = nowMs()
      this.sendSync(encodeSyncStep1(emptyStateVector))
    })
    ws.on('message', (data: Buffer) => {
      if (ws === this.ws) this.onMessage(data)
    })
    ws.on('close', (code: number) => this.onClose(ws, code))
  }

  private sendSync(message: Uint8Array): void {
    this.messages++
    this.ws?.send(message)
  }

  private onMessage(buf: Buffer): void {
    this.lastHeardAt = nowMs()
    // Every type and sub-type this client reads is below 128: one byte each.
    const type = buf[0]
    if (type === MessageType.sync) {
      const sub = buf[1]
      if (sub === SyncMessageType.update && !this.replica) return // relays: counted by nobody
      const message = decodeMessage(buf)
      if (message.type === 'sync-step1') this.answerStep1()
      else if (message.type === 'sync-step2' || message.type === 'sync-update') {
        if (this.replica) Y.applyUpdate(this.replica, message.update)
        if (message.type === 'sync-step2' && !this.synced) this.onSynced()
      }
    } else if (type === MessageType.saved) {
      const message = decodeMessage(buf)
      if (message.type === 'saved') this.onSaved(message.count)
    }
    // awareness and anything else: not this client's business
  }

  /** The server's step 1: answer with everything not yet saved (nothing is lost by a drop). */
  private answerStep1(): void {
    const unsaved = this.edits.slice(this.acked, this.released)
    const payload = unsaved.length === 0 ? emptyUpdate : Y.mergeUpdates(unsaved)
    this.sendSync(encodeSyncStep2(payload))
    this.ackMessage.push(this.messages)
    this.ackUpTo.push(this.released)
    this.sentUpTo = this.released
    this.step2Sent = true
    this.flush()
  }

  private onSynced(): void {
    this.synced = true
    this.syncedAt = nowMs()
    this.syncs++
    this.reconnector.synced()
    this.options.events.synced(this)
  }

  private flush(): void {
    const ws = this.ws
    if (!ws || !this.step2Sent || ws.readyState !== WebSocket.OPEN) return
    while (this.sentUpTo < this.released) {
      const edit = this.edits[this.sentUpTo++] as Uint8Array
      this.sendSync(encodeSyncUpdate(edit))
      this.ackMessage.push(this.messages)
      this.ackUpTo.push(this.sentUpTo)
    }
  }

  private onSaved(count: number): void {
    let i = 0
    while (i < this.ackMessage.length && (this.ackMessage[i] as number) <= count) {
      this.acked = Math.max(this.acked, this.ackUpTo[i] as number)
      i++
    }
    if (i > 0) {
      this.ackMessage.splice(0, i)
      this.ackUpTo.splice(0, i)
    }
  }

  private onClose(ws: WebSocket, code: number): void {
    if (ws !== this.ws) return
    this.ws = undefined
    this.synced = false
    this.options.events.closed(this, code, this.opened, nowMs() - this.attemptStartedAt)
    if (this.stopped) return
    if (isPermanentClose(code)) {
      this.gaveUp = code
      return
    }
    this.reconnector.closed(code === 0 ? SILENT_SOCKET_CODE : code)
  }
}
