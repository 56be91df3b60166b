import { describe, expect, it } from 'vitest'
import { computeSessionStatus, sameSessionStatus, type StatusInputs } from './sessionStatus'

/** A session that is connected, synced and has nothing to save; override what a test needs. */
function inputs(overrides: Partial<StatusInputs> = {}): StatusInputs {
  return {
    stopped: undefined,
    rotationClosed: false,
    browserOffline: false,
    wsConnected: true,
    synced: true,
    failedSinceSync: false,
    localLoaded: true,
    readOnly: false,
    full: false,
    refused: false,
    allSaved: true,
    hasUnsent: false,
    deadLink: undefined,
    ...overrides,
  }
}

const connection = (overrides: Partial<StatusInputs>) =>
  computeSessionStatus(inputs(overrides)).connection
const save = (overrides: Partial<StatusInputs>) => computeSessionStatus(inputs(overrides)).save

describe('computeSessionStatus: connection', () => {
  it('is online only with an open socket that has synced', () => {
    expect(connection({})).toBe('online')
    expect(connection({ synced: false })).toBe('connecting')
    expect(connection({ wsConnected: false })).toBe('connecting')
  })

  it('is offline when the browser says so, or after a failed attempt since the last sync', () => {
    expect(connection({ browserOffline: true })).toBe('offline')
    expect(connection({ wsConnected: false, synced: false, failedSinceSync: true })).toBe('offline')
    // A socket that is up and synced again wins over an old failure.
    expect(connection({ failedSinceSync: true })).toBe('online')
  })

  it('is stopped after a refusal, whatever else is true', () => {
    const stopped = { code: 4404, reason: 'Document not found' }
    const status = computeSessionStatus(inputs({ stopped, browserOffline: true }))
    expect(status.connection).toBe('stopped')
    expect(status.stopped).toBe(stopped)
    expect(connection({ stopped, rotationClosed: true })).toBe('stopped')
  })

  it('shows a link this tab replaced as connecting (the new link takes over), even offline', () => {
    expect(connection({ rotationClosed: true, browserOffline: true })).toBe('connecting')
    expect(connection({ rotationClosed: true })).toBe('connecting')
  })

  it('leaves out `stopped` unless the session stopped', () => {
    expect('stopped' in computeSessionStatus(inputs())).toBe(false)
  })
})

describe('computeSessionStatus: save state', () => {
  it('online: saved when everything is acknowledged, saving otherwise', () => {
    expect(save({})).toBe('saved')
    expect(save({ allSaved: false })).toBe('saving')
  })

  it('not online: kept on this device while anything is unsaved, idle otherwise', () => {
    for (const offline of [
      { browserOffline: true },
      { synced: false },
      { stopped: { code: 4403, reason: 'x' } },
    ]) {
      expect(save({ ...offline, allSaved: false, hasUnsent: true })).toBe('local')
      expect(save({ ...offline, allSaved: false })).toBe('local')
      expect(save({ ...offline })).toBe('idle')
    }
  })

  it('refused wins: those changes will never be saved', () => {
    expect(save({ refused: true })).toBe('refused')
    expect(save({ refused: true, browserOffline: true, hasUnsent: true })).toBe('refused')
  })

  it('dead link: kept on this device while the copy is kept, nothing once it is deleted', () => {
    const stopped = { code: 4403, reason: 'reset' }
    const kept = { reason: 'reset', localCopy: 'kept', unsaved: true } as const
    expect(save({ stopped, allSaved: false, hasUnsent: true, deadLink: kept })).toBe('local')
    const deleted = { ...kept, localCopy: 'deleted' } as const
    expect(save({ stopped, allSaved: false, hasUnsent: true, deadLink: deleted })).toBe('idle')
    expect(save({ stopped, refused: true, deadLink: deleted })).toBe('idle')
  })

  it('passes the flags through', () => {
    const status = computeSessionStatus(
      inputs({ synced: false, localLoaded: false, readOnly: true, full: true }),
    )
    expect(status).toEqual({
      connection: 'connecting',
      synced: false,
      localLoaded: false,
      save: 'idle',
      readOnly: true,
      full: true,
    })
  })
})

describe('sameSessionStatus', () => {
  it('is true for equal snapshots and false when any field differs', () => {
    const base = computeSessionStatus(inputs())
    expect(sameSessionStatus(base, computeSessionStatus(inputs()))).toBe(true)
    for (const overrides of [
      { browserOffline: true },
      { synced: false },
      { localLoaded: false },
      { allSaved: false },
      { readOnly: true },
      { full: true },
      { stopped: { code: 4404, reason: 'gone' } },
      { deadLink: { reason: 'gone', localCopy: 'checking', unsaved: false } as const },
    ]) {
      expect(
        sameSessionStatus(base, computeSessionStatus(inputs(overrides))),
        JSON.stringify(overrides),
      ).toBe(false)
    }
  })

  it('compares `stopped` by identity: a new refusal is news even with the same words', () => {
    const a = computeSessionStatus(inputs({ stopped: { code: 0, reason: 'no' } }))
    const b = computeSessionStatus(inputs({ stopped: { code: 0, reason: 'no' } }))
    expect(sameSessionStatus(a, b)).toBe(false)
    expect(sameSessionStatus(a, computeSessionStatus(inputs({ stopped: a.stopped })))).toBe(true)
  })
})
