import { describe, expect, it } from 'vitest'
import { dayKey, dayLabel, groupByDay, timeOfDay } from './days'

// Local times, so the tests hold in any time zone.
const at = (month: number, day: number, hour = 12, minute = 0, year = 2026): number =>
  new Date(year, month - 1, day, hour, minute).getTime()
const now = at(11, 30, 15, 0)

describe('dayKey', () => {
  it('is the local calendar day, zero-padded', () => {
    expect(dayKey(at(3, 7, 0, 0))).toBe('2026-03-07')
    expect(dayKey(at(3, 7, 23, 59))).toBe('2026-03-07')
    expect(dayKey(at(3, 8, 0, 0))).toBe('2026-03-08')
  })
})

describe('dayLabel', () => {
  it('says Today and Yesterday by the calendar, not by 24 hours', () => {
    expect(dayLabel(at(11, 30, 0, 1), now)).toBe('Today')
    expect(dayLabel(at(11, 29, 23, 59), now)).toBe('Yesterday')
    expect(dayLabel(at(11, 29, 0, 0), now)).toBe('Yesterday')
  })

  it('names older days by weekday and date, with the year only when it differs', () => {
    // ICU versions differ in punctuation ("Saturday 28 November", "Saturday, 28 November").
    expect(dayLabel(at(11, 28), now, 'en-GB')).toMatch(/^Saturday,? 28 November$/)
    expect(dayLabel(at(12, 31, 12, 0, 2025), now, 'en-GB')).toMatch(
      /^Wednesday,? 31 December 2025$/,
    )
  })

  it('knows yesterday across a month and a year boundary', () => {
    expect(dayLabel(at(11, 30), at(12, 1))).toBe('Yesterday')
    expect(dayLabel(at(12, 31, 12, 0, 2025), at(1, 1, 9, 0, 2026))).toBe('Yesterday')
  })
})

describe('groupByDay', () => {
  it('groups newest-first items by local day, newest day first, keeping their order', () => {
    const items = [
      { id: 'a', ms: at(11, 30, 14, 0) },
      { id: 'b', ms: at(11, 30, 0, 5) },
      { id: 'c', ms: at(11, 29, 23, 55) },
      { id: 'd', ms: at(11, 20, 8, 0) },
      { id: 'e', ms: at(11, 20, 7, 0) },
    ]
    const groups = groupByDay(items, (item) => item.ms, now, 'en-GB')
    expect(groups.map((g) => [g.key, g.label, g.items.map((i) => i.id)])).toEqual([
      ['2026-11-30', 'Today', ['a', 'b']],
      ['2026-11-29', 'Yesterday', ['c']],
      ['2026-11-20', dayLabel(at(11, 20), now, 'en-GB'), ['d', 'e']],
    ])
    expect(groups[2]?.label).toContain('Friday')
  })

  it('gives no groups for no items', () => {
    expect(groupByDay([], () => 0, now)).toEqual([])
  })
})

describe('timeOfDay', () => {
  it('shows hours and minutes', () => {
    expect(timeOfDay(at(11, 30, 9, 5), 'en-GB')).toMatch(/^0?9:05$/)
    expect(timeOfDay(at(11, 30, 14, 5), 'en-US')).toMatch(/^2:05\sPM$/)
  })
})
