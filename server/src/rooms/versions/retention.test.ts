import { describe, expect, test } from 'vitest'
import {
  DEFAULT_RETENTION,
  parseRetention,
  versionsToThin,
  type ThinnableVersion,
} from './retention.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const tiers = parseRetention(DEFAULT_RETENTION)
const start = Date.UTC(2025, 0, 1)

/** A version saved every `everyMs` from `from` until `to` (exclusive), plus named ones. */
function history(from: number, to: number, everyMs: number): ThinnableVersion[] {
  const versions: ThinnableVersion[] = []
  for (let t = from, i = 0; t < to; t += everyMs, i++) {
    versions.push({ id: `auto-${i}`, kind: 'auto', createdAt: t })
    if (i % 50 === 0) versions.push({ id: `named-${i}`, kind: 'named', createdAt: t })
    if (i % 70 === 0) versions.push({ id: `restore-${i}`, kind: 'restore', createdAt: t })
  }
  return versions
}

/** Thins like the server: after each new version, on what is left, at that moment. */
function thinAsSaved(versions: readonly ThinnableVersion[]): ThinnableVersion[] {
  let kept: ThinnableVersion[] = []
  for (const version of versions) {
    kept.push(version)
    const gone = new Set(versionsToThin(kept, version.createdAt, tiers))
    kept = kept.filter((v) => !gone.has(v.id))
  }
  return kept
}

describe('retention of automatic versions', () => {
  test('all of the last 24 hours, one an hour for 30 days, then one a day; named and restore forever', () => {
    const now = start + 60 * DAY
    const all = history(start, now, 17 * MINUTE)
    const kept = thinAsSaved(all)
    const autos = kept.filter((v) => v.kind === 'auto')
    const age = (v: ThinnableVersion) => now - 17 * MINUTE - v.createdAt
    // Every version of the last day.
    const lastDay = all.filter((v) => v.kind === 'auto' && age(v) < DAY)
    expect(autos.filter((v) => age(v) < DAY)).toEqual(lastDay)
    // One per hour between a day and 30 days: the newest of that hour.
    const hourly = autos.filter((v) => age(v) >= DAY + HOUR && age(v) < 30 * DAY - HOUR)
    const hours = new Set(hourly.map((v) => Math.floor(v.createdAt / HOUR)))
    expect(hours.size).toBe(hourly.length)
    for (const v of hourly) {
      const hour = Math.floor(v.createdAt / HOUR)
      const newest = all
        .filter((a) => a.kind === 'auto' && Math.floor(a.createdAt / HOUR) === hour)
        .at(-1)
      expect(v).toBe(newest)
    }
    expect(hourly.length).toBeGreaterThan(27 * 24)
    // One per UTC day after 30 days: the newest of that day.
    const daily = autos.filter((v) => age(v) >= 31 * DAY)
    const days = daily.map((v) => Math.floor(v.createdAt / DAY))
    expect(new Set(days).size).toBe(daily.length)
    expect(daily.length).toBeGreaterThanOrEqual(28)
    for (const v of daily) {
      const day = Math.floor(v.createdAt / DAY)
      expect(v.createdAt).toBe(
        all.filter((a) => a.kind === 'auto' && Math.floor(a.createdAt / DAY) === day).at(-1)
          ?.createdAt,
      )
    }
    // Named and restore versions are all still there.
    expect(kept.filter((v) => v.kind !== 'auto')).toEqual(all.filter((v) => v.kind !== 'auto'))
  })

  test('thinning as versions come settles: nothing more to thin, one per bucket but at band edges', () => {
    const all = history(start, start + 45 * DAY, 23 * MINUTE)
    const now = all.at(-1)!.createdAt
    const kept = thinAsSaved(all)
    expect(versionsToThin(kept, now, tiers)).toEqual([])
    const autos = kept.filter((v) => v.kind === 'auto')
    const lastDay = autos.filter((v) => now - v.createdAt < DAY).length
    // A day's worth, then one per hour for 29 days, then one per day for the rest (15 days), with
    // at most one extra where a bucket straddles a band's edge.
    expect(autos.length - lastDay).toBeLessThanOrEqual(29 * 24 + 16 + 2)
    expect(autos.length - lastDay).toBeGreaterThanOrEqual(29 * 24 + 14)
  })

  test('a last band that is not forever deletes older automatic versions; future ones count as new', () => {
    const week = parseRetention('all:1h,1d:7d')
    const now = start + 30 * DAY
    const versions = [
      { id: 'future', kind: 'auto', createdAt: now + HOUR },
      { id: 'recent', kind: 'auto', createdAt: now - MINUTE },
      { id: 'old', kind: 'auto', createdAt: now - 8 * DAY },
      { id: 'old-named', kind: 'named', createdAt: now - 8 * DAY },
    ]
    expect(versionsToThin(versions, now, week)).toEqual(['old'])
    expect(versionsToThin(versions, now, parseRetention('all:forever'))).toEqual([])
  })

  test('the setting is parsed and its mistakes are named', () => {
    expect(tiers).toEqual([
      { everyMs: 0, untilMs: DAY },
      { everyMs: HOUR, untilMs: 30 * DAY },
      { everyMs: DAY, untilMs: Infinity },
    ])
    expect(parseRetention(' 30m:12h , 2h:8w ')).toEqual([
      { everyMs: 30 * MINUTE, untilMs: 12 * HOUR },
      { everyMs: 2 * HOUR, untilMs: 8 * 7 * DAY },
    ])
    const mistakes: [string, RegExp][] = [
      ['', /bands like/],
      ['1h', /<every>:<until>/],
      ['1h:30d:x', /<every>:<until>/],
      ['1x:30d', /positive duration/],
      ['0h:30d', /positive duration/],
      ['1h:30d,all:forever', /only the first band may keep all/],
      ['all:forever,1d:forever', /only the last band may be forever/],
      ['all:30d,1h:24h', /must grow/],
      ['2d:1d', /wider than its band/],
      ['1h:1d,90m:7d', /multiple/],
    ]
    for (const [text, problem] of mistakes) expect(() => parseRetention(text)).toThrow(problem)
  })
})
