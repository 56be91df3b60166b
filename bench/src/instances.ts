/**
 * Which server instance each client of a multi-instance run talks to, encoded in its Yjs client
 * id, so a receiver can tell a delivery that crossed instances (editor on one instance, receiver
 * on another: commit, Redis, apply and relay on the other instance) from one that stayed on one.
 *
 * - Single-instance runs keep client ids from 1000 up: nothing is classified.
 * - A run over `n` ≥ 2 instances gives its editors ids `n × 1,000,000 + i`; editor `i` talks to
 *   instance `i mod n`. Observers (which never send) get ids just below that base:
 *   `base − 1 − instance`.
 *
 * The generator worker (splitWorker.ts) shifts the latency of every cross-instance delivery by
 * {@link crossOffsetMs} before it is recorded; {@link splitLatencies} undoes it on the main
 * thread. So the stock Recorder, worker and result format carry both classes unchanged.
 */

/** Base of editor client ids per instance count (ids stay far below 2^32). */
const perInstanceCount = 1_000_000

/** Added to a cross-instance delivery's latency in the worker (about 11.6 days, in ms). */
export const crossOffsetMs = 1e9

/** The clientBase of a run over `instances` servers (1000, the classic base, for one). */
export function clientBaseFor(instances: number): number {
  return instances > 1 ? instances * perInstanceCount : 1000
}

/** The instance an editor talks to. */
export function editorInstance(index: number, instances: number): number {
  return index % instances
}

/** The client id an observer talking to `instance` gets (−1, "none", for single instances). */
export function observerClientId(clientBase: number, instance: number): number {
  return clientBase >= 2 * perInstanceCount ? clientBase - 1 - instance : -1
}

/**
 * The instance of a client id in a run with this clientBase, or −1 when the run is not a
 * multi-instance one (or the id is none of its clients').
 */
export function instanceOf(clientBase: number, id: number): number {
  if (clientBase < 2 * perInstanceCount) return -1
  const instances = Math.round(clientBase / perInstanceCount)
  if (id >= clientBase) return (id - clientBase) % instances
  const observer = clientBase - 1 - id
  return observer >= 0 && observer < instances ? observer : -1
}

/** True when a delivery from `sender` to `receiver` crossed instances. */
export function crossesInstances(clientBase: number, sender: number, receiver: number): boolean {
  if (clientBase < 2 * perInstanceCount) return false
  const a = instanceOf(clientBase, sender)
  const b = instanceOf(clientBase, receiver)
  return a >= 0 && b >= 0 && a !== b
}

/**
 * Splits recorded latencies into all (offset removed), same-instance and cross-instance ones.
 * Without any cross-instance sample (single-instance runs) `cross` is empty and `same` is `all`.
 */
export function splitLatencies(recorded: Float64Array): {
  all: Float64Array
  same: Float64Array
  cross: Float64Array
} {
  let crossCount = 0
  for (const v of recorded) if (v >= crossOffsetMs / 2) crossCount++
  if (crossCount === 0) return { all: recorded, same: recorded, cross: new Float64Array(0) }
  const all = new Float64Array(recorded.length)
  const same = new Float64Array(recorded.length - crossCount)
  const cross = new Float64Array(crossCount)
  let s = 0
  let c = 0
  recorded.forEach((v, i) => {
    if (v >= crossOffsetMs / 2) {
      const real = v - crossOffsetMs
      all[i] = real
      cross[c++] = real
    } else {
      all[i] = v
      same[s++] = v
    }
  })
  return { all, same, cross }
}
