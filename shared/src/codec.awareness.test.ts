import { describe, expect, it } from 'vitest'
import {
  MalformedReason,
  decodeAwarenessUpdate,
  decodeMessage,
  encodeAwareness,
  encodeAwarenessUpdate,
  encodePermissionDenied,
  encodeQueryAwareness,
  encodeSaved,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  peekSyncType,
  type AwarenessEntry,
} from './codec.js'
import { READ_ONLY_REASON, SyncMessageType } from './protocol.js'
import {
  lib0AwarenessUpdate,
  bytesOf,
  awarenessStates,
  awarenessUpdate,
  malformed,
  embedded,
} from './testing/codecFixtures.js'

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
