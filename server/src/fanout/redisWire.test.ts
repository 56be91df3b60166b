import { describe, expect, test } from 'vitest'
import type { FanOutEvent } from './FanOut.js'
import {
  HEADER_BYTES,
  WireError,
  decodeMessage,
  encodeEvent,
  encodeInstanceMessage,
  newInstanceId,
  sentBy,
} from './redisWire.js'

const me = newInstanceId()
const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

function roundTrip(event: FanOutEvent, maxInlineBytes = 64 * 1024): FanOutEvent {
  const decoded = decodeMessage(encodeEvent(me.bytes, event, maxInlineBytes))
  expect(decoded).toMatchObject({ kind: 'event', from: me.id })
  return (decoded as { event: FanOutEvent }).event
}

describe('fan-out wire', () => {
  test('instance ids are version 4 UUIDs, unique, carried in every header', () => {
    const other = newInstanceId()
    expect(me.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(other.id).not.toBe(me.id)
    const message = encodeEvent(me.bytes, { kind: 'deleted' }, 0)
    expect(sentBy(message, me.bytes)).toBe(true)
    expect(sentBy(message, other.bytes)).toBe(false)
    expect(sentBy(message.subarray(0, HEADER_BYTES - 1), me.bytes)).toBe(false)
  })

  test('every kind survives a round trip, bytes exactly', () => {
    const every = Uint8Array.from({ length: 256 }, (_, i) => i)
    expect(
      roundTrip({
        kind: 'updates',
        updates: [
          { seq: 1, data: every },
          { seq: 2, data: new Uint8Array(0) },
          { seq: 2 ** 40, data: bytes(0, 0, 0) },
          { seq: Number.MAX_SAFE_INTEGER },
        ],
      }),
    ).toEqual({
      kind: 'updates',
      updates: [
        { seq: 1, data: every },
        { seq: 2, data: new Uint8Array(0) },
        { seq: 2 ** 40, data: bytes(0, 0, 0) },
        { seq: Number.MAX_SAFE_INTEGER },
      ],
    })
    expect(roundTrip({ kind: 'awareness', update: every })).toEqual({
      kind: 'awareness',
      update: every,
    })
    expect(roundTrip({ kind: 'awareness-query' })).toEqual({ kind: 'awareness-query' })
    expect(roundTrip({ kind: 'links-revoked', tokens: ['abc_-9', 'ünï', ''] })).toEqual({
      kind: 'links-revoked',
      tokens: ['abc_-9', 'ünï', ''],
    })
    expect(roundTrip({ kind: 'deleted' })).toEqual({ kind: 'deleted' })
    expect(decodeMessage(encodeInstanceMessage('alive', me.bytes))).toEqual({
      kind: 'alive',
      from: me.id,
    })
    expect(decodeMessage(encodeInstanceMessage('bye', me.bytes))).toEqual({
      kind: 'bye',
      from: me.id,
    })
  })

  test('updates over the inline limit (in total) travel as seqs only', () => {
    const event: FanOutEvent = {
      kind: 'updates',
      updates: [
        { seq: 7, data: new Uint8Array(600) },
        { seq: 8, data: new Uint8Array(500) },
      ],
    }
    expect(roundTrip(event, 1100)).toEqual(event)
    const message = encodeEvent(me.bytes, event, 1099)
    expect(message.length).toBeLessThan(HEADER_BYTES + 10)
    expect(decodeMessage(message)).toMatchObject({
      event: { kind: 'updates', updates: [{ seq: 7 }, { seq: 8 }] },
    })
  })

  test('decoded bytes are copies, so a message read inside a larger buffer stays bounded', () => {
    const message = encodeEvent(me.bytes, { kind: 'awareness', update: bytes(1, 2, 3) }, 0)
    const pool = Buffer.alloc(message.length + 8, 9)
    pool.set(message)
    const view = pool.subarray(0, message.length)
    const event = (decodeMessage(view) as { event: { update: Uint8Array } }).event
    expect(event.update).toEqual(bytes(1, 2, 3))
    pool.fill(0)
    expect(event.update).toEqual(bytes(1, 2, 3))
  })

  test('anything malformed throws a WireError: no header, other version, unknown kind, truncation', () => {
    const updates = encodeEvent(
      me.bytes,
      { kind: 'updates', updates: [{ seq: 300, data: bytes(1, 2, 3) }] },
      1024,
    )
    const otherVersion = Buffer.from(updates)
    otherVersion[0] = 2
    const unknownKind = Buffer.from(updates)
    unknownKind[1] = 99
    const hugeCount = Buffer.concat([
      updates.subarray(0, HEADER_BYTES),
      Buffer.from([0xff, 0xff, 0x7f]),
    ])
    const endless = Buffer.concat([updates.subarray(0, HEADER_BYTES), Buffer.alloc(12, 0xff)])
    const badToken = Buffer.concat([
      encodeEvent(me.bytes, { kind: 'links-revoked', tokens: [] }, 0).subarray(0, HEADER_BYTES),
      Buffer.from([1, 2, 0xc3, 0x28]),
    ])
    const cases: Uint8Array[] = [
      new Uint8Array(3),
      otherVersion,
      unknownKind,
      hugeCount,
      endless,
      badToken,
    ]
    for (let end = HEADER_BYTES; end < updates.length; end++) cases.push(updates.subarray(0, end))
    for (const message of cases) expect(() => decodeMessage(message)).toThrow(WireError)
  })
})
