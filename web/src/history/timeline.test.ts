import { describe, expect, it } from 'vitest'
import type { Version } from '../collab'
import {
  buildTimeline,
  CURRENT,
  entryAt,
  keepSelection,
  keyStep,
  olderVersions,
  positionOf,
  resolveComparison,
  type TimelineEntry,
} from './timeline'

function version(id: string, createdAt: string, extra: Partial<Version> = {}): Version {
  return { id, name: null, kind: 'auto', createdAt, authors: [], ...extra }
}

// As the API lists them: newest first.
const listed = [
  version('v3', '2026-11-30T12:00:00.000Z'),
  version('v2', '2026-11-30T11:00:00.000Z', { kind: 'named', name: 'Draft' }),
  version('v1', '2026-11-29T09:00:00.000Z'),
]
const ids = (entries: readonly TimelineEntry[]): string[] => entries.map((entry) => entry.id)

describe('buildTimeline', () => {
  it('orders the versions oldest first and ends with the current document', () => {
    expect(ids(buildTimeline(listed))).toEqual(['v1', 'v2', 'v3', CURRENT])
  })

  it('keeps equal times in the order the API gave, reversed', () => {
    const same = '2026-11-30T12:00:00.000Z'
    const entries = buildTimeline([version('b', same), version('a', same), version('z', '')])
    expect(ids(entries)).toEqual(['z', 'a', 'b', CURRENT])
  })

  it('is only the current document when nothing was saved yet', () => {
    expect(ids(buildTimeline([]))).toEqual([CURRENT])
  })
})

describe('slider positions', () => {
  const entries = buildTimeline(listed)

  it('maps ids to positions and back, unknown ids to current', () => {
    expect(positionOf(entries, 'v2')).toBe(1)
    expect(positionOf(entries, CURRENT)).toBe(3)
    expect(positionOf(entries, 'gone')).toBe(3)
    expect(entryAt(entries, 1).id).toBe('v2')
  })

  it('clamps and rounds positions', () => {
    expect(entryAt(entries, -4).id).toBe('v1')
    expect(entryAt(entries, 99).id).toBe(CURRENT)
    expect(entryAt(entries, 1.6).id).toBe('v3')
    expect(entryAt(entries, Number.NaN).id).toBe(CURRENT)
  })

  it('steps with the arrow keys, forward in time to the right and up', () => {
    expect(keyStep('ArrowRight', 1, 4)).toBe(2)
    expect(keyStep('ArrowUp', 1, 4)).toBe(2)
    expect(keyStep('ArrowLeft', 1, 4)).toBe(0)
    expect(keyStep('ArrowDown', 1, 4)).toBe(0)
  })

  it('stops at either end instead of wrapping', () => {
    expect(keyStep('ArrowLeft', 0, 4)).toBe(0)
    expect(keyStep('ArrowRight', 3, 4)).toBe(3)
  })

  it('jumps to the ends with Home and End, and by a tenth with Page Up/Down', () => {
    expect(keyStep('Home', 2, 4)).toBe(0)
    expect(keyStep('End', 0, 4)).toBe(3)
    expect(keyStep('PageUp', 10, 100)).toBe(20)
    expect(keyStep('PageDown', 5, 100)).toBe(0)
    // A short timeline still moves one step.
    expect(keyStep('PageUp', 0, 4)).toBe(1)
  })

  it('leaves other keys to the browser', () => {
    expect(keyStep('Tab', 1, 4)).toBeUndefined()
    expect(keyStep('a', 1, 4)).toBeUndefined()
  })
})

describe('resolveComparison', () => {
  const entries = buildTimeline(listed)
  const baseId = (selected: string, compare: Parameters<typeof resolveComparison>[2]) => {
    const { target, base } = resolveComparison(entries, selected, compare)
    return [target.id, typeof base === 'string' ? base : base.id]
  }

  it('compares a version with the one before it, the first one with nothing', () => {
    expect(baseId('v3', 'previous')).toEqual(['v3', 'v2'])
    expect(baseId('v1', 'previous')).toEqual(['v1', 'empty'])
  })

  it('compares the current document with the latest version', () => {
    expect(baseId(CURRENT, 'previous')).toEqual([CURRENT, 'v3'])
    expect(baseId(CURRENT, 'previous')).toEqual(baseId('unknown', 'previous'))
  })

  it('compares with any older version chosen', () => {
    expect(baseId(CURRENT, { versionId: 'v1' })).toEqual([CURRENT, 'v1'])
    expect(baseId('v3', { versionId: 'v1' })).toEqual(['v3', 'v1'])
  })

  it('falls back to the previous version for a newer, equal or vanished choice', () => {
    expect(baseId('v2', { versionId: 'v3' })).toEqual(['v2', 'v1'])
    expect(baseId('v2', { versionId: 'v2' })).toEqual(['v2', 'v1'])
    expect(baseId('v2', { versionId: 'gone' })).toEqual(['v2', 'v1'])
  })

  it('compares with nothing when asked', () => {
    expect(baseId('v2', 'none')).toEqual(['v2', 'same'])
  })

  it('offers every older version, newest first', () => {
    expect(olderVersions(entries, CURRENT).map((v) => v.id)).toEqual(['v3', 'v2', 'v1'])
    expect(olderVersions(entries, 'v2').map((v) => v.id)).toEqual(['v1'])
    expect(olderVersions(entries, 'v1')).toEqual([])
  })
})

describe('keepSelection', () => {
  const before = buildTimeline(listed)

  it('keeps a version that is still listed, and current', () => {
    const after = buildTimeline([version('v4', '2026-11-30T13:00:00.000Z'), ...listed])
    expect(keepSelection(before, after, 'v2')).toBe('v2')
    expect(keepSelection(before, after, CURRENT)).toBe(CURRENT)
  })

  it('moves from a version thinned away to the next one saved after it', () => {
    const after = buildTimeline([listed[0] as Version, listed[2] as Version])
    expect(keepSelection(before, after, 'v2')).toBe('v3')
    expect(keepSelection(before, buildTimeline([]), 'v2')).toBe(CURRENT)
  })
})
