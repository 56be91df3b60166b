import { SyncMessageType } from '@tandem/shared'
import { describe, expect, it } from 'vitest'
import { SaveTracker } from './SaveTracker'

/** A tracker and how many times it reported a change. */
function tracker(): { tracker: SaveTracker; changes: () => number } {
  let changes = 0
  return { tracker: new SaveTracker(() => changes++), changes: () => changes }
}

describe('SaveTracker', () => {
  it('starts saved, with nothing unsent', () => {
    const { tracker: t } = tracker()
    expect(t.allSaved).toBe(true)
    expect(t.hasUnsent).toBe(false)
  })

  it('is saving until the server acknowledges every sync message sent on the socket', () => {
    const { tracker: t, changes } = tracker()
    t.socketOpened()
    t.syncSent(SyncMessageType.step1)
    t.syncSent(SyncMessageType.step2)
    t.localChange(true)
    t.syncSent(SyncMessageType.update)
    expect(t.allSaved).toBe(false)
    expect(t.hasUnsent).toBe(false)

    t.acknowledged(2)
    expect(t.allSaved).toBe(false)
    t.acknowledged(3)
    expect(t.allSaved).toBe(true)
    // Every transition was reported to the session.
    expect(changes()).toBe(6)
  })

  it('ignores acks that go backwards or count more than was sent', () => {
    const { tracker: t } = tracker()
    t.socketOpened()
    t.syncSent(SyncMessageType.update)
    t.syncSent(SyncMessageType.update)
    t.acknowledged(5)
    expect(t.allSaved).toBe(true)
    // A late, smaller count does not take back what was acknowledged.
    t.acknowledged(1)
    expect(t.allSaved).toBe(true)
    t.syncSent(SyncMessageType.update)
    // The earlier over-count did not pre-acknowledge the third message.
    expect(t.allSaved).toBe(false)
    t.acknowledged(1)
    expect(t.allSaved).toBe(false)
    t.acknowledged(3)
    expect(t.allSaved).toBe(true)
  })

  it('counts a change made with no open socket as unsent until a step 2 carrying it is acked', () => {
    const { tracker: t } = tracker()
    t.localChange(false)
    expect(t.hasUnsent).toBe(true)
    expect(t.allSaved).toBe(false)

    t.socketOpened()
    t.syncSent(SyncMessageType.step1)
    t.syncSent(SyncMessageType.update)
    t.syncSent(SyncMessageType.step2)
    // Acks for messages before the step 2 do not cover the offline change.
    t.acknowledged(2)
    expect(t.hasUnsent).toBe(true)
    expect(t.allSaved).toBe(false)
    t.acknowledged(3)
    expect(t.hasUnsent).toBe(false)
    expect(t.allSaved).toBe(true)
  })

  it('treats messages a closed socket never got acknowledged as unsent', () => {
    const { tracker: t } = tracker()
    t.socketOpened()
    t.syncSent(SyncMessageType.step2)
    t.syncSent(SyncMessageType.update)
    t.acknowledged(1)
    t.socketClosed()
    expect(t.hasUnsent).toBe(true)
    expect(t.allSaved).toBe(false)

    // The next socket's counts start from zero; its step 2 resends what the server lacks.
    t.socketOpened()
    t.syncSent(SyncMessageType.step1)
    t.syncSent(SyncMessageType.step2)
    t.acknowledged(2)
    expect(t.allSaved).toBe(true)
  })

  it('forgets nothing when a socket closes with everything acknowledged', () => {
    const { tracker: t } = tracker()
    t.socketOpened()
    t.syncSent(SyncMessageType.update)
    t.acknowledged(1)
    t.socketClosed()
    expect(t.hasUnsent).toBe(false)
    expect(t.allSaved).toBe(true)
  })

  it('uses the first step 2 after the change: a later one is not waited for', () => {
    const { tracker: t } = tracker()
    t.socketOpened()
    t.localChange(false)
    t.syncSent(SyncMessageType.step2)
    t.syncSent(SyncMessageType.step2)
    t.acknowledged(1)
    expect(t.hasUnsent).toBe(false)
    expect(t.allSaved).toBe(false)
    t.acknowledged(2)
    expect(t.allSaved).toBe(true)
  })

  it('does not report a change sent on an open socket as unsent', () => {
    const { tracker: t, changes } = tracker()
    t.localChange(true)
    expect(t.hasUnsent).toBe(false)
    expect(changes()).toBe(0)
    t.localChange(false)
    t.localChange(false)
    // Only the first offline change is news.
    expect(changes()).toBe(1)
  })
})
