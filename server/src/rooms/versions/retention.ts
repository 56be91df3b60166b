/**
 * Retention of automatic versions: which to delete as they age. Named and restore versions are
 * never thinned. Pure functions of the versions and a clock, so tests need no waiting.
 */

/** One age band: one version per `everyMs` (0: every version) while younger than `untilMs`. */
export interface RetentionTier {
  /** Bucket width in milliseconds; 0 keeps every version of the band. */
  everyMs: number
  /** The band ends at this age, in milliseconds; Infinity for forever. */
  untilMs: number
}

/** Everything of the last 24 hours, then one an hour for 30 days, then one a day. */
export const DEFAULT_RETENTION = 'all:24h,1h:30d,1d:forever'

const UNIT_MS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
}

function duration(text: string, what: string): number {
  const match = /^(\d{1,6})([mhdw])$/.exec(text)
  const ms = match ? Number(match[1]) * (UNIT_MS[match[2] as string] as number) : 0
  if (ms <= 0) {
    throw new Error(
      `${what} must be a positive duration such as 30m, 24h, 30d or 8w, got "${text}"`,
    )
  }
  return ms
}

/**
 * Parses a retention setting: comma-separated bands `<every>:<until>`, youngest first, where
 * `<every>` is `all` (first band only) or a duration (`30m`, `1h`, `1d`, `1w`) and `<until>` a
 * larger duration or `forever` (last band only). Automatic versions older than the last band are
 * deleted. Each band's width must be a multiple of the one before, so buckets nest: the newest
 * version of a wide bucket is the newest of one of its narrow buckets, which thinning kept, and
 * thinning as versions age never wants back a version it deleted. Throws an Error that says what
 * is wrong.
 */
export function parseRetention(text: string): RetentionTier[] {
  const bands = text.split(',').map((band) => band.trim())
  if (bands.length === 0 || bands.some((band) => band === '')) {
    throw new Error(`expected bands like ${DEFAULT_RETENTION}, got "${text}"`)
  }
  const tiers: RetentionTier[] = []
  bands.forEach((band, i) => {
    const [every, until, extra] = band.split(':')
    if (every === undefined || until === undefined || extra !== undefined) {
      throw new Error(`each band is <every>:<until> (like 1h:30d), got "${band}"`)
    }
    const last = i === bands.length - 1
    if (every === 'all' && i > 0) throw new Error(`only the first band may keep all, got "${band}"`)
    if (until === 'forever' && !last) throw new Error(`only the last band may be forever`)
    const tier: RetentionTier = {
      everyMs: every === 'all' ? 0 : duration(every, 'a band width'),
      untilMs: until === 'forever' ? Infinity : duration(until, 'a band end'),
    }
    const previous = tiers.at(-1)
    if (previous && tier.untilMs <= previous.untilMs) {
      throw new Error(`band ends must grow, but "${band}" ends no later than the band before`)
    }
    if (tier.everyMs > tier.untilMs) {
      throw new Error(`"${band}" is wider than its band: nothing would be kept in it`)
    }
    if (previous?.everyMs && tier.everyMs % previous.everyMs !== 0) {
      throw new Error(`"${band}": each width must be a multiple of the width before it`)
    }
    tiers.push(tier)
  })
  return tiers
}

/** What thinning needs of a version. */
export interface ThinnableVersion {
  id: string
  kind: string
  /** Milliseconds since the epoch. */
  createdAt: number
}

/**
 * The ids of the automatic versions to delete at `nowMs` under `tiers`: in a band that keeps one
 * per bucket (buckets counted from the epoch, so days are UTC days), the newest of each bucket
 * stays; versions older than the last band go; named and restore versions are never returned.
 * Versions from the future (another clock) count as brand new.
 */
export function versionsToThin(
  versions: readonly ThinnableVersion[],
  nowMs: number,
  tiers: readonly RetentionTier[],
): string[] {
  const automatic = versions
    .filter((v) => v.kind === 'auto')
    .sort((a, b) => b.createdAt - a.createdAt)
  const kept = new Set<string>()
  const thinned: string[] = []
  for (const version of automatic) {
    const age = Math.max(0, nowMs - version.createdAt)
    const tier = tiers.find((t) => age < t.untilMs)
    if (!tier) {
      thinned.push(version.id)
      continue
    }
    if (tier.everyMs === 0) continue
    const bucket = `${tier.everyMs}:${Math.floor(version.createdAt / tier.everyMs)}`
    if (kept.has(bucket)) thinned.push(version.id)
    else kept.add(bucket)
  }
  return thinned
}
