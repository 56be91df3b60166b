/**
 * Shared fixtures of the codec's unit tests: y-protocols' encoders rebuilt from lib0 calls, the
 * message cases, and helpers for malformed input.
 */
import * as encoding from 'lib0/encoding'
import { expect } from 'vitest'
import { MalformedMessageError, decodeMessage, type Message } from '../codec.js'
import {
  DOCUMENT_TOO_LARGE_REASON,
  MessageType,
  READ_ONLY_REASON,
  SyncMessageType,
} from '../protocol.js'

// y-protocols is not a dependency of shared/, so its encoders are rebuilt here from lib0 calls,
// call for call as y-protocols/sync, /auth and /awareness make them (and y-websocket frames them).

export function lib0Bytes(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  write(encoder)
  return encoding.toUint8Array(encoder)
}

/** y-websocket: `messageSync`, then y-protocols/sync's writeSyncStep1/writeSyncStep2/writeUpdate. */
export const lib0Sync = (subtype: number, payload: Uint8Array): Uint8Array =>
  lib0Bytes((e) => {
    encoding.writeVarUint(e, MessageType.sync)
    encoding.writeVarUint(e, subtype)
    encoding.writeVarUint8Array(e, payload)
  })

/** y-websocket: `messageAwareness`, then the awareness update as a var-length byte array. */
export const lib0Awareness = (update: Uint8Array): Uint8Array =>
  lib0Bytes((e) => {
    encoding.writeVarUint(e, MessageType.awareness)
    encoding.writeVarUint8Array(e, update)
  })

/** y-websocket: `messageAuth`, then y-protocols/auth's writePermissionDenied. */
export const lib0PermissionDenied = (reason: string): Uint8Array =>
  lib0Bytes((e) => {
    encoding.writeVarUint(e, MessageType.auth)
    encoding.writeVarUint(e, 0) // messagePermissionDenied
    encoding.writeVarString(e, reason)
  })

/** Tandem's saved acknowledgement: the message type, then the count. */
export const lib0Saved = (count: number): Uint8Array =>
  lib0Bytes((e) => {
    encoding.writeVarUint(e, MessageType.saved)
    encoding.writeVarUint(e, count)
  })

/** y-protocols/awareness encodeAwarenessUpdate, with the states given as objects. */
export const lib0AwarenessUpdate = (
  states: { clientId: number; clock: number; state: unknown }[],
) =>
  lib0Bytes((e) => {
    encoding.writeVarUint(e, states.length)
    for (const { clientId, clock, state } of states) {
      encoding.writeVarUint(e, clientId)
      encoding.writeVarUint(e, clock)
      encoding.writeVarString(e, JSON.stringify(state))
    }
  })

export const bytesOf = (length: number, seed = 1): Uint8Array =>
  Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff)

export const nonAsciiReason = 'lecture seule — 読み取り専用 🔒'
export const savedCounts = [0, 127, 128, 2 ** 31, 2 ** 53 - 1]

export const awarenessStates = [
  { clientId: 0, clock: 0, state: null },
  { clientId: 1_234_567, clock: 300, state: { user: { name: 'Zoë 🙂', color: '#00aa88' } } },
  { clientId: 2 ** 32 - 1, clock: 2 ** 40, state: { cursor: { anchor: 1, head: 2 } } },
]
export const awarenessUpdate = lib0AwarenessUpdate(awarenessStates)

export interface Case {
  name: string
  message: Message
  /** The same message as y-protocols/lib0 would encode it. */
  expected: Uint8Array
}

export const cases: Case[] = [
  ...[new Uint8Array([0]), bytesOf(5), bytesOf(300)].map((stateVector) => ({
    name: `sync step 1 (${stateVector.length}-byte state vector)`,
    message: { type: 'sync-step1', stateVector } as const,
    expected: lib0Sync(SyncMessageType.step1, stateVector),
  })),
  ...[new Uint8Array([0, 0]), new Uint8Array(0), bytesOf(300)].map((update) => ({
    name: `sync step 2 (${update.length}-byte update)`,
    message: { type: 'sync-step2', update } as const,
    expected: lib0Sync(SyncMessageType.step2, update),
  })),
  ...[bytesOf(12), new Uint8Array(0), bytesOf(20_000)].map((update) => ({
    name: `sync update (${update.length}-byte update)`,
    message: { type: 'sync-update', update } as const,
    expected: lib0Sync(SyncMessageType.update, update),
  })),
  ...[awarenessUpdate, lib0AwarenessUpdate([])].map((update) => ({
    name: `awareness (${update.length}-byte update)`,
    message: { type: 'awareness', update } as const,
    expected: lib0Awareness(update),
  })),
  {
    name: 'query-awareness',
    message: { type: 'query-awareness' },
    expected: lib0Bytes((e) => encoding.writeVarUint(e, MessageType.queryAwareness)),
  },
  ...[READ_ONLY_REASON, DOCUMENT_TOO_LARGE_REASON, '', nonAsciiReason].map((reason) => ({
    name: `permission-denied ${JSON.stringify(reason)}`,
    message: { type: 'permission-denied', reason } as const,
    expected: lib0PermissionDenied(reason),
  })),
  ...savedCounts.map((count) => ({
    name: `saved ${count}`,
    message: { type: 'saved', count } as const,
    expected: lib0Saved(count),
  })),
]

/** Runs `decode` and returns the MalformedMessageError it throws; fails on anything else. */
export function malformed(decode: () => unknown): MalformedMessageError {
  let result: unknown
  try {
    result = decode()
  } catch (err) {
    expect(err).toBeInstanceOf(MalformedMessageError)
    return err as MalformedMessageError
  }
  throw new Error(`expected a MalformedMessageError, decoded ${JSON.stringify(result)}`)
}

export const reasonOf = (bytes: Uint8Array): string => malformed(() => decodeMessage(bytes)).reason

/** Every prefix length of a message, except in a long payload: there every 97th and the last 8. */
export function prefixLengths(total: number): number[] {
  const lengths: number[] = []
  for (let length = 0; length < total; length++) {
    if (length < 400 || length % 97 === 0 || length >= total - 8) lengths.push(length)
  }
  return lengths
}

/** Copies `bytes` into the middle of a larger buffer whose other bytes are all 0x7f. */
export function embedded(bytes: Uint8Array): Uint8Array {
  const buffer = new Uint8Array(bytes.length + 64).fill(0x7f)
  buffer.set(bytes, 32)
  return buffer.subarray(32, 32 + bytes.length)
}

/** A small seeded PRNG returning floats in [0, 1), so the fuzz cases are the same every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
