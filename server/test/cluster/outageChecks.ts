import { expect } from 'vitest'
import { until, type Cluster } from './cluster.js'
import { crossing, type Peer } from './peer.js'

// What the outage tests measure and wait for, across a cluster's instances.

export const ms = (n: number): number => Math.round(n)
export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

/** Probes from each peer in turn to the two others; returns each one's crossing time, in ms. */
export async function probes(
  peers: readonly Peer[],
  label: string,
  count: number,
): Promise<number[]> {
  const times: number[] = []
  for (let k = 0; k < count; k++) {
    const from = peers[k % peers.length]!
    times.push(
      await crossing(
        from,
        peers.filter((p) => p !== from),
        `${label}-${k}`,
      ),
    )
  }
  return times
}

/** An edit without its saved-ack this long has stalled (the bound the tests hold acks to). */
export const ACK_BOUND_MS = 2_000

/** Saved-ack latencies of the own edits made in [from, to], the longest gap between acks then. */
export interface AckStats {
  latencies: number[]
  /** Made at least {@link ACK_BOUND_MS} before `to` and not acknowledged by then. */
  stalled: number
  /** Made later and not acknowledged by `to` (still in flight). */
  inFlight: number
  longestGapMs: number
}

export function ackLatencies(peers: readonly Peer[], from: number, to: number): AckStats {
  const stats: AckStats = { latencies: [], stalled: 0, inFlight: 0, longestGapMs: 0 }
  for (const p of peers) {
    for (const [item, at] of p.addedAt) {
      if (at < from || at > to) continue
      const acked = p.ackedAt.get(item)
      if (acked !== undefined && acked <= to) stats.latencies.push(acked - at)
      else if (at < to - ACK_BOUND_MS) stats.stalled++
      else stats.inFlight++
    }
    const acks = p.acks.filter((at) => at >= from && at <= to)
    for (let k = 1; k < acks.length; k++) {
      stats.longestGapMs = Math.max(stats.longestGapMs, acks[k]! - acks[k - 1]!)
    }
  }
  return stats
}

export function describeAcks({ latencies, stalled, inFlight, longestGapMs }: AckStats): string {
  return (
    `${latencies.length} edits acknowledged, ack latency median ${ms(median(latencies))} ms, ` +
    `max ${ms(Math.max(...latencies))} ms, longest gap between acks ${ms(longestGapMs)} ms, ` +
    `${stalled} stalled, ${inFlight} in flight at the end`
  )
}

/** Waits until /readyz answers `status` on every instance; the error names what they answered. */
export async function readyzEverywhere(cluster: Cluster, status: number): Promise<void> {
  let last: number[] = []
  await until(`/readyz ${status} on every instance`, async () => {
    last = await cluster.readyz()
    return last.every((s) => s === status)
  }).catch((err: Error) => {
    const silent = last.flatMap((s, i) => {
      const server = cluster.instances[i]
      return s === 0 ? [`instance ${i} (alive: ${server?.alive}):\n${server?.output(30)}`] : []
    })
    throw new Error(`${err.message}; last answers ${last.join(', ')}\n${silent.join('\n')}`)
  })
}

/** Waits until every peer holds every peer's own items, and checks PostgreSQL holds them too. */
export async function converged(
  cluster: Cluster,
  token: string,
  peers: readonly Peer[],
): Promise<void> {
  await until(
    'every copy holds every own edit',
    () => peers.every((p) => peers.every((q) => p.array(q.name).length === q.own().length)),
    15_000,
  )
  const stored = await cluster.stored(token)
  for (const peer of peers) expect(stored.getArray(peer.name).toArray()).toEqual(peer.own())
}
