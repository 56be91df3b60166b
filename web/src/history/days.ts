/** Versions (or anything with a time) saved on one local calendar day, newest first. */
export interface DayGroup<T> {
  /** The local day as `yyyy-mm-dd`: stable across renders, usable as a React key or an id. */
  key: string
  /** "Today", "Yesterday", or the date ("Monday 28 November", with the year if not this one). */
  label: string
  items: T[]
}

/** The local calendar day of `ms` (epoch milliseconds) as `yyyy-mm-dd`. */
export function dayKey(ms: number): string {
  const date = new Date(ms)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
}

/** The local midnight that starts the day `days` after the one holding `ms` (negative: before). */
function dayStart(ms: number, days = 0): number {
  const date = new Date(ms)
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days).getTime()
}

/**
 * How a day heading reads for day `ms` seen at `nowMs`: "Today", "Yesterday", otherwise the
 * weekday and date in `locale` (the browser's when undefined), with the year when it is not
 * this year's.
 */
export function dayLabel(ms: number, nowMs: number, locale?: string): string {
  const key = dayKey(ms)
  if (key === dayKey(nowMs)) return 'Today'
  if (key === dayKey(dayStart(nowMs, -1))) return 'Yesterday'
  const sameYear = new Date(ms).getFullYear() === new Date(nowMs).getFullYear()
  return new Intl.DateTimeFormat(locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(ms)
}

/**
 * Groups `items` (newest first, each at `timeOf(item)` epoch milliseconds) by local calendar
 * day: one group per day in the order first met, so newest day first, items kept in order.
 */
export function groupByDay<T>(
  items: readonly T[],
  timeOf: (item: T) => number,
  nowMs: number,
  locale?: string,
): DayGroup<T>[] {
  const groups = new Map<string, DayGroup<T>>()
  for (const item of items) {
    const ms = timeOf(item)
    const key = dayKey(ms)
    let group = groups.get(key)
    if (!group) {
      group = { key, label: dayLabel(ms, nowMs, locale), items: [] }
      groups.set(key, group)
    }
    group.items.push(item)
  }
  return [...groups.values()]
}

/** The time of day of `ms` in `locale`, hours and minutes ("14:05", "2:05 PM"). */
export function timeOfDay(ms: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' }).format(ms)
}

/** Day and time of `ms` seen at `nowMs`, for labels: "Today, 14:05", "Monday 28 November, 09:10". */
export function dayAndTime(ms: number, nowMs: number, locale?: string): string {
  return `${dayLabel(ms, nowMs, locale)}, ${timeOfDay(ms, locale)}`
}
