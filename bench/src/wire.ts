/**
 * The bench's client side of the wire. Every y-websocket envelope is built with the shared codec,
 * so the bench sends exactly what the web app and a stock client send. Reading stays a cheap
 * header peek plus a walk of an update's struct headers (to time and count deliveries without
 * decoding big messages). The only per-server difference is Hocuspocus's own framing: a document
 * name in front of every message (pre-encoded once per connection, skipped with one varUint read)
 * and a few message types of its own, encoded here because they are not our protocol.
 */
import * as encoding from 'lib0/encoding'
import {
  MessageType,
  SyncMessageType,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
} from '@tandem/shared'

/** Kinds of server the bench can drive. */
export const ServerKind = {
  tandem: 'tandem',
  yws: 'y-websocket-server',
  hocuspocus: 'hocuspocus',
  hocuspocusSqlite: 'hocuspocus-sqlite',
} as const
export type ServerKind = (typeof ServerKind)[keyof typeof ServerKind]

/** Where and how to reach one running server; plain data so it can cross to worker threads. */
export interface Target {
  kind: ServerKind
  port: number
}

/** Hocuspocus message types that differ from y-websocket's (its own framing). */
export const HocuspocusType = { syncReply: 4, syncStatus: 8, close: 7 } as const
const hocuspocusAuthToken = 0

/** True when the server frames every message with a varString document name. */
export function usesNamePrefix(kind: ServerKind): boolean {
  return kind === ServerKind.hocuspocus || kind === ServerKind.hocuspocusSqlite
}

/** WebSocket URL for a room; `ack` opts into Tandem's saved-acks (ignored by the peers). */
export function roomUrl(target: Target, room: string, ack: boolean): string {
  const base = `ws://127.0.0.1:${target.port}`
  if (target.kind === ServerKind.tandem) return `${base}/sync/${room}${ack ? '?ack=1' : ''}`
  return `${base}/${room}`
}

/** The bytes every message on this connection starts with (empty except for Hocuspocus). */
export function messagePrefix(kind: ServerKind, room: string): Uint8Array {
  if (!usesNamePrefix(kind)) return new Uint8Array(0)
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, room)
  return encoding.toUint8Array(encoder)
}

/** `message` behind the connection's prefix (the message itself when there is none). */
function withPrefix(prefix: Uint8Array, message: Uint8Array): Uint8Array {
  if (prefix.length === 0) return message
  const framed = new Uint8Array(prefix.length + message.length)
  framed.set(prefix)
  framed.set(message, prefix.length)
  return framed
}

/** A sync message (step 1, step 2 or update) carrying `payload`. */
export function syncMessage(
  prefix: Uint8Array,
  sub: SyncMessageType,
  payload: Uint8Array,
): Uint8Array {
  switch (sub) {
    case SyncMessageType.step1:
      return withPrefix(prefix, encodeSyncStep1(payload))
    case SyncMessageType.step2:
      return withPrefix(prefix, encodeSyncStep2(payload))
    case SyncMessageType.update:
      return withPrefix(prefix, encodeSyncUpdate(payload))
  }
}

/**
 * Hocuspocus's first message on a connection: an auth token (empty; no auth hook configured).
 * Hocuspocus's auth sub-types are its own, so this one is encoded here, not by the codec.
 */
export function hocuspocusAuth(prefix: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeUint8Array(encoder, prefix)
  encoding.writeVarUint(encoder, MessageType.auth)
  encoding.writeVarUint(encoder, hocuspocusAuthToken)
  encoding.writeVarString(encoder, '')
  return encoding.toUint8Array(encoder)
}

/** Sync step 1 with an empty state vector: "send me everything". */
export function emptyStep1(prefix: Uint8Array): Uint8Array {
  return syncMessage(prefix, SyncMessageType.step1, new Uint8Array([0]))
}

/** Sync step 2 with an empty update: "I have nothing you lack". */
export function emptyStep2(prefix: Uint8Array): Uint8Array {
  return syncMessage(prefix, SyncMessageType.step2, new Uint8Array([0, 0]))
}

/**
 * A reusable cursor over one incoming message: skips the Hocuspocus prefix, peeks the header and
 * walks an update's structs. One instance per connection, reset per message, so the hot path (a
 * relayed update) allocates nothing; everything else is decoded with the codec.
 */
export class Reader {
  buf: Uint8Array = new Uint8Array(0)
  pos = 0

  reset(buf: Uint8Array): void {
    this.buf = buf
    this.pos = 0
  }

  get done(): boolean {
    return this.pos >= this.buf.length
  }

  varUint(): number {
    const buf = this.buf
    let num = 0
    let mult = 1
    for (;;) {
      const r = buf[this.pos++]
      if (r === undefined) throw new RangeError('unexpected end of message')
      num += (r & 0x7f) * mult
      if (r < 0x80) return num
      mult *= 128
      if (mult > Number.MAX_SAFE_INTEGER) throw new RangeError('varUint too long')
    }
  }

  skip(bytes: number): void {
    this.pos += bytes
  }

  byte(): number {
    const r = this.buf[this.pos++]
    if (r === undefined) throw new RangeError('unexpected end of message')
    return r
  }
}

/** Called once per struct range found in an update: `len` clock units from `client` at `clock`. */
export type StructVisitor = (client: number, clock: number, len: number) => void

const contentDeleted = 1
const contentString = 4
const structGC = 0
const structSkip = 10

/**
 * Walks the struct headers of a V1 update starting at the reader's position and reports each
 * struct's (client, clock, length), without building any Yjs object. Handles the structs the
 * bench's editors produce (strings, deletions, GC, skip); returns false on any other content so
 * the caller can count the message as unparsed rather than guess.
 */
export function walkUpdateStructs(r: Reader, visit: StructVisitor): boolean {
  const numClients = r.varUint()
  for (let i = 0; i < numClients; i++) {
    const numStructs = r.varUint()
    const client = r.varUint()
    let clock = r.varUint()
    for (let s = 0; s < numStructs; s++) {
      const info = r.byte()
      const ref = info & 0x1f
      let len: number
      if (ref === structGC || ref === structSkip) {
        len = r.varUint()
      } else {
        const hasOrigin = (info & 0x80) !== 0
        const hasRightOrigin = (info & 0x40) !== 0
        if (hasOrigin) {
          r.varUint()
          r.varUint()
        }
        if (hasRightOrigin) {
          r.varUint()
          r.varUint()
        }
        if (!hasOrigin && !hasRightOrigin) {
          const parentIsKey = r.varUint() === 1
          if (parentIsKey) r.skip(r.varUint())
          else {
            r.varUint()
            r.varUint()
          }
          if ((info & 0x20) !== 0) r.skip(r.varUint())
        }
        if (ref === contentString) {
          // ASCII content (all the bench's editors type): UTF-8 bytes == UTF-16 length.
          len = r.varUint()
          r.skip(len)
        } else if (ref === contentDeleted) {
          len = r.varUint()
        } else {
          return false
        }
      }
      visit(client, clock, len)
      clock += len
    }
  }
  return true
}
