import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import {
  MalformedMessageError,
  MalformedReason,
  decodeAwarenessUpdate,
  decodeMessage,
  encodeAwareness,
  encodeAwarenessUpdate,
  encodeMessage,
  encodePermissionDenied,
  encodeQueryAwareness,
  encodeSaved,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  peekSyncType,
  type AwarenessEntry,
  type Message,
  type MessageKind,
} from './codec.js'
import {
  DOCUMENT_TOO_LARGE_REASON,
  MessageType,
  READ_ONLY_REASON,
  SyncMessageType,
} from './protocol.js'

// y-protocols is not a dependency of shared/, so its encoders are rebuilt here from lib0 calls,
// call for call as y-protocols/sync, /auth and /awareness make them (and y-websocket frames them).

function lib0Bytes(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  write(encoder)
  return encoding.toUint8Array(encoder)
}

/** y-websocket: `messageSync`, then y-protocols/sync's writeSyncStep1/writeSyncStep2/writeUpdate. */
const lib0Sync = (subtype: number, payload: Uint8Array): Uint8Array =>
  lib0Bytes((e) => {
    encoding.writeVarUint(e, MessageType.sync)
    encoding.writeVarUint(e, subtype)
    encoding.writeVarUint8Array(e, payload)
  })

/** y-websocket: `messageAwareness`, then the awareness update as a var-length byte array. */
const lib0Awareness = (update: Uint8Array): Uint8Array =>
  lib0Bytes((e) => {
    encoding.writeVarUint(e, MessageType.awareness)
    encoding.writeVarUint8Array(e, update)
  })

/** y-websocket: `messageAuth`, then y-protocols/auth's writePermissionDenied. */
const lib0PermissionDenied = (reason: string): Uint8Array =>
  lib0Bytes((e) => {
    encoding.writeVarUint(e, MessageType.auth)
    encoding.writeVarUint(e, 0) // messagePermissionDenied
    encoding.writeVarString(e, reason)
  })

/** Tandem's saved acknowledgement: the message type, then the count. */
const lib0Saved = (count: number): Uint8Array =>
  lib0Bytes((e) => {
    encoding.writeVarUint(e, MessageType.saved)
    encoding.writeVarUint(e, count)
  })

/** y-protocols/awareness encodeAwarenessUpdate, with the states given as objects. */
const lib0AwarenessUpdate = (states: { clientId: number; clock: number; state: unknown }[]) =>
  lib0Bytes((e) => {
    encoding.writeVarUint(e, states.length)
    for (const { clientId, clock, state } of states) {
      encoding.writeVarUint(e, clientId)
      encoding.writeVarUint(e, clock)
      encoding.writeVarString(e, JSON.stringify(state))
    }
  })

const bytesOf = (length: number, seed = 1): Uint8Array =>
  Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff)

const nonAsciiReason = 'lecture seule — 読み取り専用 🔒'
const savedCounts = [0, 127, 128, 2 ** 31, 2 ** 53 - 1]

const awarenessStates = [
  { clientId: 0, clock: 0, state: null },
  { clientId: 1_234_567, clock: 300, state: { user: { name: 'Zoë 🙂', color: '#00aa88' } } },
  { clientId: 2 ** 32 - 1, clock: 2 ** 40, state: { cursor: { anchor: 1, head: 2 } } },
]
const awarenessUpdate = lib0AwarenessUpdate(awarenessStates)

interface Case {
  name: string
  message: Message
  /** The same message as y-protocols/lib0 would encode it. */
  expected: Uint8Array
}

const cases: Case[] = [
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
function malformed(decode: () => unknown): MalformedMessageError {
  let result: unknown
  try {
    result = decode()
  } catch (err) {
    expect(err).toBeInstanceOf(MalformedMessageError)
    return err as MalformedMessageError
  }
  throw new Error(`expected a MalformedMessageError, decoded ${JSON.stringify(result)}`)
}

const reasonOf = (bytes: Uint8Array): string => malformed(() => decodeMessage(bytes)).reason

/** Every prefix length of a message, except in a long payload: there every 97th and the last 8. */
function prefixLengths(total: number): number[] {
  const lengths: number[] = []
  for (let length = 0; length < total; length++) {
    if (length < 400 || length % 97 === 0 || length >= total - 8) lengths.push(length)
  }
  return lengths
}

/** Copies `bytes` into the middle of a larger buffer whose other bytes are all 0x7f. */
function embedded(bytes: Uint8Array): Uint8Array {
  const buffer = new Uint8Array(bytes.length + 64).fill(0x7f)
  buffer.set(bytes, 32)
  return buffer.subarray(32, 32 + bytes.length)
}

describe('encodeMessage', () => {
  it('covers every message kind', () => {
    const kinds: Record<MessageKind, true> = {
      'sync-step1': true,
      'sync-step2': true,
      'sync-update': true,
      awareness: true,
      'query-awareness': true,
      'permission-denied': true,
      saved: true,
    }
    expect(new Set(cases.map((c) => c.message.type))).toEqual(new Set(Object.keys(kinds)))
  })

  it.each(cases)('$name: the bytes y-protocols/lib0 produce', ({ message, expected }) => {
    expect(encodeMessage(message)).toEqual(expected)
  })

  it('lays out the small messages as documented in docs/protocol.md', () => {
    expect(encodeSyncStep1(new Uint8Array([0]))).toEqual(new Uint8Array([0, 0, 1, 0]))
    expect(encodeSyncStep2(new Uint8Array([0, 0]))).toEqual(new Uint8Array([0, 1, 2, 0, 0]))
    expect(encodeSyncUpdate(new Uint8Array([9]))).toEqual(new Uint8Array([0, 2, 1, 9]))
    expect(encodeQueryAwareness()).toEqual(new Uint8Array([3]))
    expect(encodePermissionDenied('ab')).toEqual(new Uint8Array([2, 0, 2, 97, 98]))
    expect(encodeSaved(0)).toEqual(new Uint8Array([100, 0]))
    expect(encodeSaved(127)).toEqual(new Uint8Array([100, 127]))
    expect(encodeSaved(128)).toEqual(new Uint8Array([100, 0x80, 0x01]))
    expect(encodeSaved(2 ** 31)).toEqual(new Uint8Array([100, 0x80, 0x80, 0x80, 0x80, 0x08]))
    expect(encodeSaved(2 ** 53 - 1)).toEqual(
      new Uint8Array([100, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]),
    )
  })

  it('the shorthand encoders equal encodeMessage', () => {
    const payload = bytesOf(7)
    expect(encodeSyncStep1(payload)).toEqual(lib0Sync(SyncMessageType.step1, payload))
    expect(encodeSyncStep2(payload)).toEqual(lib0Sync(SyncMessageType.step2, payload))
    expect(encodeSyncUpdate(payload)).toEqual(lib0Sync(SyncMessageType.update, payload))
    expect(encodeAwareness(awarenessUpdate)).toEqual(lib0Awareness(awarenessUpdate))
    expect(encodePermissionDenied(nonAsciiReason)).toEqual(lib0PermissionDenied(nonAsciiReason))
    for (const count of savedCounts) expect(encodeSaved(count)).toEqual(lib0Saved(count))
  })
})

describe('decodeMessage', () => {
  it.each(cases)('$name: round trip', ({ message, expected }) => {
    expect(decodeMessage(expected)).toEqual(message)
    expect(decodeMessage(encodeMessage(message))).toEqual(message)
  })

  it.each(cases)('$name: decodes the same inside a larger buffer', ({ message, expected }) => {
    expect(decodeMessage(embedded(expected))).toEqual(message)
  })

  it('returns views into the input, not copies', () => {
    const bytes = encodeSyncUpdate(bytesOf(40))
    const message = decodeMessage(bytes)
    if (message.type !== 'sync-update') throw new Error(`decoded ${message.type}`)
    expect(message.update.buffer).toBe(bytes.buffer)
    expect(message.update.byteOffset).toBe(bytes.byteOffset + 3)
  })

  describe('malformed input', () => {
    it('empty input is truncated', () => {
      expect(reasonOf(new Uint8Array(0))).toBe(MalformedReason.truncated)
      expect(reasonOf(embedded(new Uint8Array(0)))).toBe(MalformedReason.truncated)
    })

    it.each(cases)('$name: every truncation is "truncated", never a RangeError', ({ expected }) => {
      for (const length of prefixLengths(expected.length)) {
        // A copy (its own buffer) and a view that ends early in the full message's buffer: lib0
        // bounds byte-array reads by the buffer, so the view is where reading past the end shows.
        for (const prefix of [expected.slice(0, length), expected.subarray(0, length)]) {
          const error = malformed(() => decodeMessage(prefix))
          expect(error, `prefix of ${length} bytes`).not.toBeInstanceOf(RangeError)
          expect(error.reason, `prefix of ${length} bytes`).toBe(MalformedReason.truncated)
        }
      }
    })

    it('does not read a truncated byte array past the end of its view', () => {
      const full = encodeSyncUpdate(new Uint8Array([1, 2, 3, 4, 5]))
      const view = full.subarray(0, 5) // [0, 2, 5, 1, 2]: the buffer holds the other 3 bytes
      expect(view.buffer.byteLength).toBeGreaterThan(view.length)
      expect(reasonOf(view)).toBe(MalformedReason.truncated)
      const offsetView = embedded(full).subarray(0, 6)
      expect(reasonOf(offsetView)).toBe(MalformedReason.truncated)
    })

    it.each(cases)('$name: trailing bytes', ({ expected }) => {
      for (const extra of [[0], [100, 1], [0xff]]) {
        const bytes = Uint8Array.from([...expected, ...extra])
        expect(reasonOf(bytes)).toBe(MalformedReason.trailingBytes)
      }
    })

    it('unknown message types', () => {
      for (const type of [4, 5, 8, 99, 101, 127, 128, 2 ** 20]) {
        const bytes = lib0Bytes((e) => {
          encoding.writeVarUint(e, type)
          encoding.writeVarUint(e, 0)
        })
        expect(reasonOf(bytes), `type ${type}`).toBe(MalformedReason.unknownType)
        expect(reasonOf(bytes.subarray(0, -1)), `bare type ${type}`).toBe(
          MalformedReason.unknownType,
        )
      }
    })

    it('unknown sync sub-types', () => {
      for (const subtype of [3, 4, 127, 128, 300]) {
        const bytes = lib0Sync(subtype, new Uint8Array([0]))
        expect(reasonOf(bytes), `sync type ${subtype}`).toBe(MalformedReason.unknownType)
      }
    })

    it('an auth sub-type other than permission denied', () => {
      const bytes = lib0Bytes((e) => {
        encoding.writeVarUint(e, MessageType.auth)
        encoding.writeVarUint(e, 1)
        encoding.writeVarString(e, 'token')
      })
      expect(reasonOf(bytes)).toBe(MalformedReason.invalidField)
    })

    it('a varUint past 2^53 is an invalid field', () => {
      const past = [
        [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10], // 2^53
        [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10], // 2^53 + 1
        [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10], // 2^60
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // 2^64 - 1
        [...new Array<number>(200).fill(0x80), 0x00], // an overlong zero (lib0 reads NaN)
      ]
      for (const varUint of past) {
        const label = `varUint ${varUint.length} bytes`
        expect(reasonOf(Uint8Array.from(varUint)), `${label} as type`).toBe(
          MalformedReason.invalidField,
        )
        expect(reasonOf(Uint8Array.from([MessageType.saved, ...varUint])), `${label} saved`).toBe(
          MalformedReason.invalidField,
        )
        expect(reasonOf(Uint8Array.from([0, ...varUint, 0])), `${label} sync type`).toBe(
          MalformedReason.invalidField,
        )
        expect(reasonOf(Uint8Array.from([0, 2, ...varUint])), `${label} length`).toBe(
          MalformedReason.invalidField,
        )
        expect(reasonOf(Uint8Array.from([2, 0, ...varUint])), `${label} reason length`).toBe(
          MalformedReason.invalidField,
        )
      }
    })

    it('a length that is a safe integer but longer than the message is truncated', () => {
      const bytes = lib0Bytes((e) => {
        encoding.writeVarUint(e, MessageType.sync)
        encoding.writeVarUint(e, SyncMessageType.update)
        encoding.writeVarUint(e, 2 ** 53 - 1)
        encoding.writeUint8Array(e, bytesOf(10))
      })
      expect(reasonOf(bytes)).toBe(MalformedReason.truncated)
    })

    it('invalid UTF-8 in a permission-denied reason', () => {
      for (const raw of [
        [0xc3, 0x28], // a lead byte without its continuation
        [0x80], // a lone continuation byte
        [0xc0, 0x80], // an overlong NUL
        [0xed, 0xa0, 0x80], // a UTF-16 surrogate
        [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
        [0x61, 0xe2, 0x82], // a character cut short at the end
      ]) {
        const bytes = Uint8Array.from([MessageType.auth, 0, raw.length, ...raw])
        expect(reasonOf(bytes), JSON.stringify(raw)).toBe(MalformedReason.invalidField)
      }
    })

    it('random and mutated input throws only MalformedMessageError', () => {
      const random = mulberry32(42)
      const byte = () => Math.floor(random() * 256)
      const knownTypes = [0, 1, 2, 3, 100]
      const samples: Uint8Array[] = []
      for (let i = 0; i < 5_000; i++) {
        const length = Math.floor(random() * 12)
        const bytes = Uint8Array.from({ length }, byte)
        if (length > 0) bytes[0] = knownTypes[i % knownTypes.length] as number
        samples.push(bytes)
      }
      for (const { expected } of cases) {
        if (expected.length > 400) continue
        for (let i = 0; i < 200; i++) {
          const mutated = expected.slice()
          mutated[Math.floor(random() * mutated.length)] = byte()
          samples.push(mutated)
        }
      }
      let decoded = 0
      for (const bytes of samples) {
        let message: Message
        try {
          message = decodeMessage(bytes)
        } catch (err) {
          expect(err).toBeInstanceOf(MalformedMessageError)
          continue
        }
        decoded++
        // Non-canonical varUints decode too, so compare messages rather than bytes.
        expect(decodeMessage(encodeMessage(message))).toEqual(message)
      }
      expect(decoded).toBeGreaterThan(100)
    })
  })
})

describe('peekSyncType', () => {
  it('reads the sync sub-type of sync messages', () => {
    expect(peekSyncType(encodeSyncStep1(new Uint8Array([0])))).toBe(SyncMessageType.step1)
    expect(peekSyncType(encodeSyncStep2(bytesOf(20_000)))).toBe(SyncMessageType.step2)
    expect(peekSyncType(encodeSyncUpdate(bytesOf(3)))).toBe(SyncMessageType.update)
  })

  it('reads only the header: the rest may be truncated or unknown', () => {
    expect(peekSyncType(encodeSyncUpdate(bytesOf(300)).subarray(0, 3))).toBe(SyncMessageType.update)
    expect(peekSyncType(new Uint8Array([0, 7]))).toBe(7)
  })

  it('is -1 for a sync message with no sub-type', () => {
    expect(peekSyncType(new Uint8Array([0]))).toBe(-1)
    expect(peekSyncType(encodeSyncUpdate(bytesOf(3)).subarray(0, 1))).toBe(-1)
  })

  it('is undefined for anything that is not a sync message', () => {
    expect(peekSyncType(new Uint8Array(0))).toBeUndefined()
    expect(peekSyncType(encodeAwareness(awarenessUpdate))).toBeUndefined()
    expect(peekSyncType(encodeQueryAwareness())).toBeUndefined()
    expect(peekSyncType(encodePermissionDenied(READ_ONLY_REASON))).toBeUndefined()
    expect(peekSyncType(encodeSaved(1))).toBeUndefined()
    expect(peekSyncType(new Uint8Array([0x80]))).toBeUndefined()
    expect(peekSyncType(new Uint8Array([0, 0x80]))).toBeUndefined()
    const hugeType = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
    expect(peekSyncType(Uint8Array.from(hugeType))).toBeUndefined()
  })
})

describe('awareness updates', () => {
  const entries: AwarenessEntry[] = awarenessStates.map(({ clientId, clock, state }) => ({
    clientId,
    clock,
    json: JSON.stringify(state),
  }))

  it('decodes the entries of a y-protocols awareness update', () => {
    expect(decodeAwarenessUpdate(awarenessUpdate)).toEqual(entries)
    expect(decodeAwarenessUpdate(embedded(awarenessUpdate))).toEqual(entries)
    expect(decodeAwarenessUpdate(lib0AwarenessUpdate([]))).toEqual([])
  })

  it('encodes exactly what y-protocols encodes', () => {
    expect(encodeAwarenessUpdate(entries)).toEqual(awarenessUpdate)
    expect(encodeAwarenessUpdate([])).toEqual(new Uint8Array([0]))
  })

  it('round trips', () => {
    expect(decodeAwarenessUpdate(encodeAwarenessUpdate(entries))).toEqual(entries)
    const big = [{ clientId: 7, clock: 1, json: JSON.stringify({ text: 'x'.repeat(70_000) }) }]
    expect(decodeAwarenessUpdate(encodeAwarenessUpdate(big))).toEqual(big)
  })

  it('the awareness message carries the update unchanged', () => {
    const message = decodeMessage(encodeAwareness(awarenessUpdate))
    if (message.type !== 'awareness') throw new Error(`decoded ${message.type}`)
    expect(decodeAwarenessUpdate(message.update)).toEqual(entries)
  })

  it('every truncation is "truncated", including views into the full update', () => {
    for (let length = 0; length < awarenessUpdate.length; length++) {
      for (const prefix of [
        awarenessUpdate.slice(0, length),
        awarenessUpdate.subarray(0, length),
      ]) {
        const error = malformed(() => decodeAwarenessUpdate(prefix))
        expect(error.reason, `prefix of ${length} bytes`).toBe(MalformedReason.truncated)
      }
    }
  })

  it('trailing bytes', () => {
    const bytes = Uint8Array.from([...awarenessUpdate, 0])
    expect(malformed(() => decodeAwarenessUpdate(bytes)).reason).toBe(MalformedReason.trailingBytes)
  })

  it('a client id or clock past 2^53 is an invalid field', () => {
    const past = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]
    for (const bytes of [
      Uint8Array.from([1, ...past, 0, 4, ...'null'.split('').map((c) => c.charCodeAt(0))]),
      Uint8Array.from([1, 5, ...past, 4, ...'null'.split('').map((c) => c.charCodeAt(0))]),
      Uint8Array.from(past),
    ]) {
      expect(malformed(() => decodeAwarenessUpdate(bytes)).reason).toBe(
        MalformedReason.invalidField,
      )
    }
  })

  it('invalid UTF-8 in a state', () => {
    const bytes = Uint8Array.from([1, 5, 1, 3, 0x22, 0xc3, 0x22])
    expect(malformed(() => decodeAwarenessUpdate(bytes)).reason).toBe(MalformedReason.invalidField)
  })
})

/** A small seeded PRNG returning floats in [0, 1), so the fuzz cases are the same every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
