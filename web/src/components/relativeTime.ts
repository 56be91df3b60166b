const formatter = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })

const STEPS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
]

/** "just now", "5 minutes ago", "yesterday"… for a time `ms` (epoch milliseconds) in the past. */
export function relativeTime(ms: number, nowMs = Date.now()): string {
  let amount = (ms - nowMs) / 1000
  if (Math.abs(amount) < 45) return 'just now'
  for (const [unit, size] of STEPS) {
    if (Math.abs(amount) < size) return formatter.format(Math.round(amount), unit)
    amount /= size
  }
  return formatter.format(Math.round(amount), 'year')
}
