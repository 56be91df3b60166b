/**
 * The wire codec: the only code that encodes or decodes Tandem's protocol messages, on the server,
 * in the web app, in the tests and in the bench. The envelope is y-websocket's (a varUint message
 * type, then the type's payload); see docs/protocol.md.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { MessageType, SyncMessageType } from './protocol.js'

/** Both runtimes have TextDecoder; shared/ is compiled without DOM or Node types, so it is named here. */
interface Utf8Decoder {
  decode(input: Uint8Array): string
}
const utf8 = new (
  globalThis as unknown as {
    TextDecoder: new (label: string, options: { fatal: boolean }) => Utf8Decoder
  }
).TextDecoder('utf-8', { fatal: true })

/** y-protocols auth sub-type: permission denied, followed by a reason string. */
const AUTH_PERMISSION_DENIED = 0

/** One decoded protocol message. Handle it with an exhaustive `switch (message.type)`. */
export type Message =
  /** Sync step 1: the sender's state vector; the receiver answers with step 2. */
  | { type: 'sync-step1'; stateVector: Uint8Array }
  /** Sync step 2: what the receiver lacks, as a Yjs V1 update. */
  | { type: 'sync-step2'; update: Uint8Array }
  /** A live Yjs V1 update. */
  | { type: 'sync-update'; update: Uint8Array }
  /** A y-protocols awareness update (see {@link decodeAwarenessUpdate} for its entries). */
  | { type: 'awareness'; update: Uint8Array }
  /** Asks the receiver to send every awareness state it knows. */
  | { type: 'query-awareness' }
  /** y-protocols auth "permission denied" (server to client), e.g. {@link READ_ONLY_REASON}. */
  | { type: 'permission-denied'; reason: string }
  /** Tandem extension: the first `count` sync messages the client sent are committed. */
  | { type: 'saved'; count: number }

/** The `type` field of {@link Message}. */
export type MessageKind = Message['type']

/** Why a message could not be decoded. */
export const MalformedReason = {
  /** Empty, or ends in the middle of a field. */
  truncated: 'truncated',
  /** Bytes are left over after the message. */
  trailingBytes: 'trailing-bytes',
  /** The message type or sync sub-type is not one this codec knows. */
  unknownType: 'unknown-type',
  /** A field is out of range (a varUint past 2^53, an auth sub-type other than denied). */
  invalidField: 'invalid-field',
} as const
export type MalformedReason = (typeof MalformedReason)[keyof typeof MalformedReason]

/** Thrown by the decoders for input that is not exactly one well-formed message. */
export class MalformedMessageError extends Error {
  override name = 'MalformedMessageError'
  constructor(
    readonly reason: MalformedReason,
    detail: string,
  ) {
    super(`malformed message (${reason}): ${detail}`)
  }
}

/**
 * Reads with the bounds lib0 leaves out: its byte-array reads are bounded by the underlying
 * ArrayBuffer, not by the view, so a truncated message in a larger buffer would read past its end.
 */
class Reader {
  readonly #decoder: decoding.Decoder
  readonly #end: number

  constructor(readonly bytes: Uint8Array) {
    this.#decoder = decoding.createDecoder(bytes)
    this.#end = bytes.length
  }

  uint(what: string): number {
    if (this.#decoder.pos >= this.#end) throw truncated(what)
    let value: number
    try {
      value = decoding.readVarUint(this.#decoder)
    } catch {
      throw this.#decoder.pos >= this.#end
        ? truncated(what)
        : new MalformedMessageError(MalformedReason.invalidField, `${what} is out of range`)
    }
    if (this.#decoder.pos > this.#end) throw truncated(what)
    if (!Number.isSafeInteger(value)) {
      throw new MalformedMessageError(MalformedReason.invalidField, `${what} is out of range`)
    }
    return value
  }

  bytesField(what: string): Uint8Array {
    const length = this.uint(`${what} length`)
    const start = this.#decoder.pos
    if (length > this.#end - start) throw truncated(what)
    this.#decoder.pos = start + length
    return this.bytes.subarray(start, start + length)
  }

  string(what: string): string {
    const raw = this.bytesField(what)
    try {
      return utf8.decode(raw)
    } catch {
      throw new MalformedMessageError(MalformedReason.invalidField, `${what} is not UTF-8`)
    }
  }

  end(): void {
    if (this.#decoder.pos !== this.#end) {
      throw new MalformedMessageError(
        MalformedReason.trailingBytes,
        `${this.#end - this.#decoder.pos} bytes after the message`,
      )
    }
  }
}

function truncated(what: string): MalformedMessageError {
  return new MalformedMessageError(MalformedReason.truncated, `ends inside ${what}`)
}

/**
 * Decodes exactly one message. Byte arrays in the result are views into `bytes`, not copies.
 * Throws {@link MalformedMessageError} for anything else (never a lib0 `RangeError`).
 */
export function decodeMessage(bytes: Uint8Array): Message {
  const reader = new Reader(bytes)
  const type = reader.uint('message type')
  let message: Message
  switch (type) {
    case MessageType.sync: {
      const subtype = reader.uint('sync type')
      switch (subtype) {
        case SyncMessageType.step1:
          message = { type: 'sync-step1', stateVector: reader.bytesField('state vector') }
          break
        case SyncMessageType.step2:
          message = { type: 'sync-step2', update: reader.bytesField('update') }
          break
        case SyncMessageType.update:
          message = { type: 'sync-update', update: reader.bytesField('update') }
          break
        default:
          throw new MalformedMessageError(MalformedReason.unknownType, `sync type ${subtype}`)
      }
      break
    }
    case MessageType.awareness:
      message = { type: 'awareness', update: reader.bytesField('awareness update') }
      break
    case MessageType.queryAwareness:
      message = { type: 'query-awareness' }
      break
    case MessageType.auth: {
      const subtype = reader.uint('auth type')
      if (subtype !== AUTH_PERMISSION_DENIED) {
        throw new MalformedMessageError(MalformedReason.invalidField, `auth type ${subtype}`)
      }
      message = { type: 'permission-denied', reason: reader.string('reason') }
      break
    }
    case MessageType.saved:
      message = { type: 'saved', count: reader.uint('saved count') }
      break
    default:
      throw new MalformedMessageError(MalformedReason.unknownType, `message type ${type}`)
  }
  reader.end()
  return message
}

/**
 * The sync sub-type of an outgoing message without decoding the rest: -1 for a sync message with
 * no sub-type, undefined if it is not a sync message. Cheap enough for every frame a client sends.
 */
export function peekSyncType(bytes: Uint8Array): number | undefined {
  const reader = new Reader(bytes)
  try {
    if (reader.uint('message type') !== MessageType.sync) return undefined
    return bytes.length > 1 ? reader.uint('sync type') : -1
  } catch {
    return undefined
  }
}

/** Encodes one message; the inverse of {@link decodeMessage}. */
export function encodeMessage(message: Message): Uint8Array {
  const encoder = encoding.createEncoder()
  switch (message.type) {
    case 'sync-step1':
      writeSync(encoder, SyncMessageType.step1, message.stateVector)
      break
    case 'sync-step2':
      writeSync(encoder, SyncMessageType.step2, message.update)
      break
    case 'sync-update':
      writeSync(encoder, SyncMessageType.update, message.update)
      break
    case 'awareness':
      encoding.writeVarUint(encoder, MessageType.awareness)
      encoding.writeVarUint8Array(encoder, message.update)
      break
    case 'query-awareness':
      encoding.writeVarUint(encoder, MessageType.queryAwareness)
      break
    case 'permission-denied':
      encoding.writeVarUint(encoder, MessageType.auth)
      encoding.writeVarUint(encoder, AUTH_PERMISSION_DENIED)
      encoding.writeVarString(encoder, message.reason)
      break
    case 'saved':
      encoding.writeVarUint(encoder, MessageType.saved)
      encoding.writeVarUint(encoder, message.count)
      break
  }
  return encoding.toUint8Array(encoder)
}

function writeSync(encoder: encoding.Encoder, subtype: number, payload: Uint8Array): void {
  encoding.writeVarUint(encoder, MessageType.sync)
  encoding.writeVarUint(encoder, subtype)
  encoding.writeVarUint8Array(encoder, payload)
}

/** Sync step 1 carrying `stateVector`. */
export const encodeSyncStep1 = (stateVector: Uint8Array): Uint8Array =>
  encodeMessage({ type: 'sync-step1', stateVector })
/** Sync step 2 carrying `update`. */
export const encodeSyncStep2 = (update: Uint8Array): Uint8Array =>
  encodeMessage({ type: 'sync-step2', update })
/** A sync update message carrying `update`. */
export const encodeSyncUpdate = (update: Uint8Array): Uint8Array =>
  encodeMessage({ type: 'sync-update', update })
/** An awareness message carrying an encoded awareness update. */
export const encodeAwareness = (update: Uint8Array): Uint8Array =>
  encodeMessage({ type: 'awareness', update })
/** The query-awareness message. */
export const encodeQueryAwareness = (): Uint8Array => encodeMessage({ type: 'query-awareness' })
/** An auth permission-denied notice with `reason`. */
export const encodePermissionDenied = (reason: string): Uint8Array =>
  encodeMessage({ type: 'permission-denied', reason })
/** A saved acknowledgement: the first `count` sync messages are committed. */
export const encodeSaved = (count: number): Uint8Array => encodeMessage({ type: 'saved', count })

/** One entry of an awareness update: a client id, its clock, and its state as JSON text. */
export interface AwarenessEntry {
  clientId: number
  clock: number
  /** The state as sent: JSON text, `"null"` for a removal. */
  json: string
}

/** The entries of an awareness update (the payload of an `awareness` message). */
export function decodeAwarenessUpdate(update: Uint8Array): AwarenessEntry[] {
  const reader = new Reader(update)
  const count = reader.uint('entry count')
  const entries: AwarenessEntry[] = []
  for (let i = 0; i < count; i++) {
    const clientId = reader.uint('client id')
    const clock = reader.uint('clock')
    entries.push({ clientId, clock, json: reader.string('state') })
  }
  reader.end()
  return entries
}

/** Encodes awareness entries as an awareness update; the inverse of {@link decodeAwarenessUpdate}. */
export function encodeAwarenessUpdate(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId)
    encoding.writeVarUint(encoder, entry.clock)
    encoding.writeVarString(encoder, entry.json)
  }
  return encoding.toUint8Array(encoder)
}
