import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import {
  MalformedMessageError,
  MalformedReason,
  decodeMessage,
  encodeAwareness,
  encodeMessage,
  encodePermissionDenied,
  encodeQueryAwareness,
  encodeSaved,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  type Message,
  type MessageKind,
} from './codec.js'
import { MessageType, SyncMessageType } from './protocol.js'
import {
  lib0Bytes,
  lib0Sync,
  lib0Awareness,
  lib0PermissionDenied,
  lib0Saved,
  bytesOf,
  nonAsciiReason,
  savedCounts,
  awarenessUpdate,
  cases,
  malformed,
  reasonOf,
  prefixLengths,
  embedded,
  mulberry32,
} from './testing/codecFixtures.js'

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
