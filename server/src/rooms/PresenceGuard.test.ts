import { decodeAwarenessUpdate, encodeAwarenessUpdate, type Role } from '@tandem/shared'
import { describe, expect, test } from 'vitest'
import type { Connection } from './Connection.js'
import type { EngineHooks } from './hooks.js'
import { PresenceGuard } from './PresenceGuard.js'
import { Session } from './Session.js'

const refused: string[] = []
const hooks: EngineHooks = {
  counters: { updatesIn: 0, updatesOut: 0, framesDecoded: 0 },
  sessions: () => {},
  roomsLoaded: () => {},
  documentLoaded: () => {},
  badMessage: () => {},
  refusedWrite: (reason) => refused.push(reason),
  commitFailed: () => {},
  compacted: () => {},
}
const closedConnection: Connection = {
  isOpen: false,
  bufferedBytes: 0,
  send: () => {},
  sendBatch: () => {},
  close: () => {},
}
const limits = {
  maxMessageBytes: 1 << 20,
  maxQueuedMessages: 10,
  rateMessagesPerSec: 100,
  rateBurstMessages: 100,
  rateBytesPerSec: 1 << 20,
}
function session(role: Role = 'edit', tabSecret?: string): Session {
  return new Session(
    closedConnection,
    { role, token: 't', tabSecret, wantsAck: false },
    {
      limits,
      hooks,
    },
  )
}
function update(...entries: [number, number, unknown][]): Uint8Array {
  return encodeAwarenessUpdate(
    entries.map(([clientId, clock, state]) => ({ clientId, clock, json: JSON.stringify(state) })),
  )
}
function states(vetted: Uint8Array | undefined): Record<number, unknown> {
  const out: Record<number, unknown> = {}
  for (const e of vetted ? decodeAwarenessUpdate(vetted) : []) out[e.clientId] = JSON.parse(e.json)
  return out
}

describe('PresenceGuard', () => {
  test('the first connection to use an id owns it; others cannot set or remove it', () => {
    const guard = new PresenceGuard(hooks)
    const alice = session()
    const mallory = session()
    expect(states(guard.vet(alice, update([1, 1, { user: { name: 'A' } }])))).toEqual({
      1: { user: { name: 'A', role: 'edit' } },
    })
    expect(guard.vet(mallory, update([1, 2, { user: { name: 'M' } }]))).toBeUndefined()
    expect(guard.vet(mallory, update([1, 3, null]))).toBeUndefined()
    expect(refused.filter((r) => r === 'awareness-not-owner').length).toBeGreaterThanOrEqual(2)
    expect(states(guard.vet(alice, update([1, 4, null])))).toEqual({ 1: null })
  })

  test('the role comes from the link; every other field passes through as sent', () => {
    const guard = new PresenceGuard(hooks)
    const viewer = session('view')
    const state = { user: { name: 'V', color: 'hsl(1 2% 3%)', role: 'edit', x: [1] }, cursor: 5 }
    expect(states(guard.vet(viewer, update([7, 1, state])))).toEqual({
      7: { user: { name: 'V', color: 'hsl(1 2% 3%)', role: 'view', x: [1] }, cursor: 5 },
    })
    expect(states(guard.vet(viewer, update([7, 2, { cursor: 1 }])))).toEqual({ 7: { cursor: 1 } })
  })

  test('a tab that proves its secret takes its id back; release gives only what is still owned', () => {
    const guard = new PresenceGuard(hooks)
    const before = session('edit', 'secret-secret-secret')
    const after = session('edit', 'secret-secret-secret')
    const stranger = session('edit', 'another-secret-value')
    guard.vet(before, update([3, 1, { a: 1 }], [4, 1, { b: 1 }]))
    expect(guard.vet(stranger, update([3, 2, { a: 2 }]))).toBeUndefined()
    expect(states(guard.vet(after, update([3, 2, { a: 2 }])))).toEqual({ 3: { a: 2 } })
    expect(guard.release(before)).toEqual([4])
    expect(guard.release(after)).toEqual([3])
    expect(guard.release(after)).toEqual([])
  })

  test('oversized states are dropped; a state that is not JSON is malformed', () => {
    const guard = new PresenceGuard(hooks)
    const big = { blob: 'x'.repeat(70_000) }
    expect(guard.vet(session(), update([9, 1, big]))).toBeUndefined()
    const notJson = encodeAwarenessUpdate([{ clientId: 9, clock: 1, json: '{nope' }])
    expect(() => guard.vet(session(), notJson)).toThrow(/not JSON/)
  })
})
