import { randomBytes } from 'node:crypto'
import * as encoding from 'lib0/encoding'
import type { CommittedUpdate, FanOutEvent } from './FanOut.js'

/**
 * The bytes instances exchange through Redis. Every message starts with the same 18-byte header:
 *
 *   [0]      wire version (1); a message of another version is ignored, not misread
 *   [1]      kind (below)
 *   [2..17]  the sending instance's id (a UUID's 16 bytes): receivers drop their own messages
 *            before decoding anything else
 *
 * and then, by kind (varuint = lib0's variable-length unsigned integer, as in y-websocket):
 *
 *   updates          varuint count, then per update: varuint seq, varuint (length + 1) or 0 when
 *                    the bytes were left out, the bytes
 *   awareness        the update's bytes, to the end
 *   links-revoked    varuint count, then per token: varuint length, UTF-8 bytes
 *   awareness-query, deleted, alive, bye: nothing
 */
export const WIRE_VERSION = 1

/** Message kinds; 1–15 on document channels, 16 and up on the instances channel. */
export const WireKind = {
  updates: 1,
  awareness: 2,
  awarenessQuery: 3,
  linksRevoked: 4,
  deleted: 5,
  alive: 16,
  bye: 17,
} as const
export type WireKind = (typeof WireKind)[keyof typeof WireKind]

/** Bytes before a message's body. */
export const HEADER_BYTES = 18

/** A message that is not one this version can read. */
export class WireError extends Error {
  override name = 'WireError'
}

/** The channel carrying every event of one document. */
export function documentChannel(prefix: string, docId: string): string {
  return `${prefix}:doc:${docId}`
}

/** The channel carrying every instance's heartbeat and goodbye. */
export function instancesChannel(prefix: string): string {
  return `${prefix}:instances`
}

/** A new random instance id: a version 4 UUID, as text and as its 16 bytes. */
export function newInstanceId(): { id: string; bytes: Uint8Array } {
  const bytes = randomBytes(16)
  bytes[6] = (bytes[6]! & 0x0f) | 0x40
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  return { id: formatInstanceId(bytes), bytes }
}

function formatInstanceId(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** True when `message` carries the header of instance `id` (whatever its kind or version). */
export function sentBy(message: Uint8Array, id: Uint8Array): boolean {
  if (message.length < HEADER_BYTES) return false
  for (let i = 0; i < 16; i++) if (message[2 + i] !== id[i]) return false
  return true
}

function header(kind: WireKind, instance: Uint8Array): encoding.Encoder {
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, WIRE_VERSION)
  encoding.writeUint8(encoder, kind)
  encoding.writeUint8Array(encoder, instance)
  return encoder
}

function toBuffer(encoder: encoding.Encoder): Buffer {
  const bytes = encoding.toUint8Array(encoder)
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * Encodes a document event. Updates whose bytes add up to more than `maxInlineBytes` travel as
 * seqs only: receivers read them from the store.
 */
export function encodeEvent(
  instance: Uint8Array,
  event: FanOutEvent,
  maxInlineBytes: number,
): Buffer {
  switch (event.kind) {
    case 'updates': {
      const encoder = header(WireKind.updates, instance)
      let total = 0
      for (const update of event.updates) total += update.data?.length ?? 0
      const inline = total <= maxInlineBytes
      encoding.writeVarUint(encoder, event.updates.length)
      for (const update of event.updates) {
        encoding.writeVarUint(encoder, update.seq)
        if (inline && update.data) {
          encoding.writeVarUint(encoder, update.data.length + 1)
          encoding.writeUint8Array(encoder, update.data)
        } else {
          encoding.writeVarUint(encoder, 0)
        }
      }
      return toBuffer(encoder)
    }
    case 'awareness': {
      const encoder = header(WireKind.awareness, instance)
      encoding.writeUint8Array(encoder, event.update)
      return toBuffer(encoder)
    }
    case 'awareness-query':
      return toBuffer(header(WireKind.awarenessQuery, instance))
    case 'links-revoked': {
      const encoder = header(WireKind.linksRevoked, instance)
      encoding.writeVarUint(encoder, event.tokens.length)
      for (const token of event.tokens) encoding.writeVarString(encoder, token)
      return toBuffer(encoder)
    }
    case 'deleted':
      return toBuffer(header(WireKind.deleted, instance))
  }
}

/** Encodes a heartbeat ('alive') or a clean stop ('bye') of `instance`. */
export function encodeInstanceMessage(kind: 'alive' | 'bye', instance: Uint8Array): Buffer {
  return toBuffer(header(kind === 'alive' ? WireKind.alive : WireKind.bye, instance))
}

/** Reads with bounds checks (lib0's readers trust their input). */
class Reader {
  pos = HEADER_BYTES

  constructor(readonly bytes: Uint8Array) {}

  uint(what: string): number {
    let value = 0
    let scale = 1
    for (;;) {
      if (this.pos >= this.bytes.length) throw new WireError(`ends inside ${what}`)
      const byte = this.bytes[this.pos++]!
      value += (byte & 0x7f) * scale
      if (byte < 0x80) break
      scale *= 128
      if (scale > Number.MAX_SAFE_INTEGER) throw new WireError(`${what} is out of range`)
    }
    if (!Number.isSafeInteger(value)) throw new WireError(`${what} is out of range`)
    return value
  }

  /**
   * A plain copy: the message may be a Buffer viewing a larger socket read (and Buffer's `slice`
   * makes a view, not a copy).
   */
  take(length: number, what: string): Uint8Array {
    if (length > this.bytes.length - this.pos) throw new WireError(`ends inside ${what}`)
    const out = new Uint8Array(this.bytes.subarray(this.pos, this.pos + length))
    this.pos += length
    return out
  }
}

/** A decoded message: who sent it, and what. */
export type WireMessage =
  { kind: 'event'; from: string; event: FanOutEvent } | { kind: 'alive' | 'bye'; from: string }

/**
 * Decodes any message; throws {@link WireError} for a wrong version, an unknown kind or a
 * truncated body. Bytes after a well-formed body are ignored (room for later fields).
 */
export function decodeMessage(message: Uint8Array): WireMessage {
  if (message.length < HEADER_BYTES) throw new WireError(`${message.length} bytes, no header`)
  if (message[0] !== WIRE_VERSION) throw new WireError(`wire version ${message[0]}`)
  const from = formatInstanceId(message.subarray(2, HEADER_BYTES))
  const reader = new Reader(message)
  switch (message[1]) {
    case WireKind.updates: {
      const count = reader.uint('update count')
      // Each update takes at least two bytes: a hostile count cannot make us allocate much.
      if (count > message.length) throw new WireError(`${count} updates in ${message.length} bytes`)
      const updates: CommittedUpdate[] = []
      for (let i = 0; i < count; i++) {
        const seq = reader.uint('seq')
        const length = reader.uint('update length')
        updates.push(length === 0 ? { seq } : { seq, data: reader.take(length - 1, 'update') })
      }
      return { kind: 'event', from, event: { kind: 'updates', updates } }
    }
    case WireKind.awareness:
      return {
        kind: 'event',
        from,
        event: { kind: 'awareness', update: reader.take(message.length - reader.pos, 'update') },
      }
    case WireKind.awarenessQuery:
      return { kind: 'event', from, event: { kind: 'awareness-query' } }
    case WireKind.linksRevoked: {
      const count = reader.uint('token count')
      if (count > message.length) throw new WireError(`${count} tokens in ${message.length} bytes`)
      const tokens: string[] = []
      const text = new TextDecoder('utf-8', { fatal: true })
      for (let i = 0; i < count; i++) {
        const bytes = reader.take(reader.uint('token length'), 'token')
        try {
          tokens.push(text.decode(bytes))
        } catch {
          throw new WireError('a token is not UTF-8')
        }
      }
      return { kind: 'event', from, event: { kind: 'links-revoked', tokens } }
    }
    case WireKind.deleted:
      return { kind: 'event', from, event: { kind: 'deleted' } }
    case WireKind.alive:
      return { kind: 'alive', from }
    case WireKind.bye:
      return { kind: 'bye', from }
    default:
      throw new WireError(`unknown kind ${message[1]}`)
  }
}
