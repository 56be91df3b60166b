/**
 * The generator worker the bench runs: worker.ts unchanged, plus one thing for multi-instance
 * runs. Each delivery is classified by the instances of its sender and receiver (encoded in their
 * client ids, see instances.ts); a cross-instance one is recorded with its latency shifted by
 * `crossOffsetMs`, which the main thread removes again (`splitLatencies`). Single-instance runs
 * (client ids from 1000) are recorded exactly as before: one comparison per delivery more.
 *
 * This wraps `Recorder.prototype.delivery` instead of changing connection.ts and worker.ts so the
 * stock worker, its commands and its result format stay as they are.
 */
import { Recorder } from './connection.js'
import { crossOffsetMs, crossesInstances } from './instances.js'

const plain = Recorder.prototype.delivery
Recorder.prototype.delivery = function classified(
  this: Recorder,
  client: number,
  clock: number,
  len: number,
  own: number,
  at: number,
): void {
  const cross = crossesInstances(this.clientBase, client, own)
  plain.call(this, client, clock, len, own, cross ? at + crossOffsetMs : at)
}

await import('./worker.js')
