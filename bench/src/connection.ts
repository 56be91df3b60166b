/**
 * One bench client: a WebSocket speaking y-protocols directly. Receivers read only the message
 * header and the struct headers of each update (to time and count deliveries) and drop the rest;
 * observers also apply everything to a full Y.Doc replica for the convergence check; editors send
 * pre-generated updates on a schedule.
 */
import WebSocket from 'ws'
import * as Y from 'yjs'
import { MessageType, SyncMessageType, decodeMessage, type Message } from '@tandem/shared'
import { nowMs } from './clock.js'
import { SampleBuffer } from './stats.js'
import {
  HocuspocusType,
  Reader,
  emptyStep1,
  emptyStep2,
  hocuspocusAuth,
  messagePrefix,
  roomUrl,
  syncMessage,
  usesNamePrefix,
  walkUpdateStructs,
  type StructVisitor,
  type Target,
} from './wire.js'

/** What a client does besides receiving. */
export type Role = 'editor' | 'receiver' | 'observer' | 'joiner'

/** The Y.Text every editor types into (a field of its own, away from the app's fields). */
export const benchTextField = 'bench'

/**
 * Per-thread delivery bookkeeping. Send times live in a SharedArrayBuffer indexed by
 * (editor, sequence number); an editor's n-th update inserts one character, so its Yjs clock is
 * n and the receiver finds the send time from the struct header alone.
 */
export class Recorder {
  latencies = new SampleBuffer(1 << 16)
  ackLatencies = new SampleBuffer(1 << 12)
  delivered = 0
  echoes = 0
  unmatched = 0
  unparsed = 0

  constructor(
    readonly sendTimes: Float64Array,
    readonly clientBase: number,
    readonly maxSeq: number,
    readonly numEditors: number,
  ) {}

  delivery(client: number, clock: number, len: number, own: number, at: number): void {
    if (client === own) {
      this.echoes += len
      return
    }
    const editor = client - this.clientBase
    if (editor < 0 || editor >= this.numEditors) {
      this.unmatched += len
      return
    }
    const base = editor * this.maxSeq
    for (let k = 0; k < len; k++) {
      const seq = clock + k
      const sent = seq < this.maxSeq ? (this.sendTimes[base + seq] as number) : 0
      if (sent > 0) {
        this.latencies.push(at - sent)
        this.delivered++
      } else {
        this.unmatched++
      }
    }
  }
}

/** A client's connect outcome. */
export interface ConnectResult {
  ok: boolean
  /** From `new WebSocket()` to the server's sync step 2, in ms. */
  syncMs: number
  /** Bytes received up to and including sync step 2. */
  bytesToSync: number
  error?: string
}

export class BenchConnection {
  readonly ws: WebSocket
  private readonly prefix: Uint8Array
  private readonly prefixed: boolean
  private readonly reader = new Reader()
  private readonly visit: StructVisitor
  private recvAt = 0
  private syncSent = 0
  private readonly ackIndex: number[] = []
  private readonly ackSentAt: number[] = []
  private ackHead = 0
  readonly startedAt = nowMs()
  syncedAt = NaN
  bytesReceived = 0
  bytesToSync = 0
  closeCode: number | undefined
  /** Full replica (observers and, on request, joiners). */
  readonly replica: Y.Doc | undefined
  /** The step-2 payload, kept for joiners that verify what they received. */
  step2Payload: Uint8Array | undefined
  readonly whenSynced: Promise<ConnectResult>

  // editor state
  private readonly doc: Y.Doc | undefined
  private readonly queue: Uint8Array[] = []
  private sent = 0

  constructor(
    target: Target,
    room: string,
    readonly role: Role,
    private readonly recorder: Recorder | undefined,
    private readonly ack: boolean,
    /** This client's Yjs clientID (editors), or -1. */
    readonly clientID: number,
    keepReplica: boolean,
    timeoutMs: number,
  ) {
    this.prefix = messagePrefix(target.kind, room)
    this.prefixed = usesNamePrefix(target.kind)
    this.visit = (client, clock, len) => {
      this.recorder?.delivery(client, clock, len, this.clientID, this.recvAt)
    }
    if (role === 'editor') {
      this.doc = new Y.Doc({ gc: false })
      this.doc.clientID = clientID
    }
    if (keepReplica) this.replica = new Y.Doc()
    this.ws = new WebSocket(roomUrl(target, room, ack), { perMessageDeflate: false })
    this.whenSynced = new Promise<ConnectResult>((resolve) => {
      const fail = (error: string): void =>
        resolve({ ok: false, syncMs: NaN, bytesToSync: this.bytesReceived, error })
      const timer = setTimeout(() => fail(`not synced within ${timeoutMs} ms`), timeoutMs)
      this.onSynced = () => {
        clearTimeout(timer)
        resolve({ ok: true, syncMs: this.syncedAt - this.startedAt, bytesToSync: this.bytesToSync })
      }
      this.ws.on('error', (err) => {
        clearTimeout(timer)
        fail(err.message)
      })
      this.ws.on('close', (code) => {
        this.closeCode = code
        clearTimeout(timer)
        fail(`closed ${code}`)
      })
    })
    this.ws.on('open', () => {
      if (this.prefixed) this.ws.send(hocuspocusAuth(this.prefix))
      this.sendSync(emptyStep1(this.prefix))
    })
    this.ws.on('message', (data) => this.onMessage(data as Buffer))
  }

  private onSynced: () => void = () => {}

  private sendSync(message: Uint8Array): void {
    this.syncSent++
    this.ws.send(message)
  }

  private onMessage(buf: Buffer): void {
    const at = nowMs()
    this.bytesReceived += buf.length
    const r = this.reader
    r.reset(buf)
    try {
      if (this.prefixed) r.skip(r.varUint())
      const start = r.pos
      const type = r.varUint()
      if (type === MessageType.sync || type === HocuspocusType.syncReply) {
        const sub = r.varUint()
        if (sub === SyncMessageType.update) {
          // The hot path: timed from the header and the update's struct headers, no decoding.
          const len = r.varUint()
          const from = r.pos
          this.recvAt = at
          if (this.recorder && !walkUpdateStructs(r, this.visit)) this.recorder.unparsed++
          if (this.replica) Y.applyUpdate(this.replica, buf.subarray(from, from + len))
        } else if (type === HocuspocusType.syncReply) {
          // Hocuspocus sends its own sync step 1 in a "sync reply" of its framing.
          if (sub === SyncMessageType.step1) this.sendSync(emptyStep2(this.prefix))
          else if (this.recorder) this.recorder.unparsed++
        } else {
          this.onDecoded(decodeMessage(buf.subarray(start)), at)
        }
      } else if (type === MessageType.saved) {
        this.onDecoded(decodeMessage(buf.subarray(start)), at)
      }
      // awareness, auth, Hocuspocus sync-status and anything else: counted in bytes, dropped.
    } catch {
      if (this.recorder) this.recorder.unparsed++
    }
  }

  /** A sync step or a saved-ack, decoded by the codec (a view into the frame, not a copy). */
  private onDecoded(message: Message, at: number): void {
    switch (message.type) {
      case 'sync-step1':
        this.sendSync(emptyStep2(this.prefix))
        break
      case 'sync-step2':
        if (this.replica) Y.applyUpdate(this.replica, message.update)
        if (Number.isNaN(this.syncedAt)) {
          this.syncedAt = at
          this.bytesToSync = this.bytesReceived
          if (this.role === 'joiner') this.step2Payload = Uint8Array.from(message.update)
          this.onSynced()
        }
        break
      case 'saved':
        this.onSaved(message.count, at)
        break
      default:
        break
    }
  }

  private onSaved(n: number, at: number): void {
    if (n > this.lastSaved) this.lastSaved = n
    while (this.ackHead < this.ackIndex.length && (this.ackIndex[this.ackHead] as number) <= n) {
      this.recorder?.ackLatencies.push(at - (this.ackSentAt[this.ackHead] as number))
      this.ackHead++
    }
    if (this.ackHead > 4096) {
      this.ackIndex.splice(0, this.ackHead)
      this.ackSentAt.splice(0, this.ackHead)
      this.ackHead = 0
    }
  }

  /** Number of saved-acks still outstanding. */
  get pendingAcks(): number {
    return this.ackIndex.length - this.ackHead
  }

  /**
   * Pre-generates `count` more updates (editors): each inserts one random lowercase letter at a
   * random position of this editor's own text, so clocks run 0, 1, 2, … in send order.
   */
  prepare(count: number, random: () => number): void {
    const doc = this.doc
    if (!doc) return
    const text = doc.getText(benchTextField)
    let last: Uint8Array | undefined
    const onUpdate = (update: Uint8Array): void => {
      last = update
    }
    doc.on('update', onUpdate)
    for (let i = 0; i < count; i++) {
      const pos = Math.floor(random() * (text.length + 1))
      text.insert(pos, String.fromCharCode(97 + Math.floor(random() * 26)))
      if (last) this.queue.push(syncMessage(this.prefix, SyncMessageType.update, last))
      last = undefined
    }
    doc.off('update', onUpdate)
  }

  /** Sends the next pre-generated update; records its send time. Returns false when none left. */
  sendNext(): boolean {
    const message = this.queue.shift()
    const rec = this.recorder
    if (!message || !rec || this.ws.readyState !== WebSocket.OPEN) return false
    const seq = this.sent++
    const at = nowMs()
    const editor = this.clientID - rec.clientBase
    if (seq < rec.maxSeq) rec.sendTimes[editor * rec.maxSeq + seq] = at
    this.syncSent++
    if (this.ack) {
      this.ackIndex.push(this.syncSent)
      this.ackSentAt.push(at)
    }
    this.ws.send(message)
    return true
  }

  /** Updates sent so far (editors). */
  get sentCount(): number {
    return this.sent
  }

  /** Sends raw update payloads as sync updates (uploads); acks are tracked like an editor's. */
  sendUpdates(payloads: Uint8Array[]): void {
    for (const p of payloads) this.sendSync(syncMessage(this.prefix, SyncMessageType.update, p))
  }

  /** Sync messages sent on this connection (what a saved-ack counts). */
  get syncMessagesSent(): number {
    return this.syncSent
  }

  /** The highest saved-ack received (Tandem with `ack`), tracked for uploads. */
  lastSaved = 0

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.terminate()
    }
  }
}
