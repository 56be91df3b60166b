/** A storm worker thread: one StormFleet with the bench's copy of the web reconnect policy. */
import { parentPort } from 'node:worker_threads'
import { createLoopMonitor, readLag } from '../context.js'
import { StormFleet } from './stormFleet.js'
import { benchReconnector, stockReconnector } from './reconnectPolicy.js'
import type { FleetPlan, WorkerCommand } from './fleets.js'

const port = parentPort
if (!port) throw new Error('stormWorker.ts runs as a worker thread')

const loop = createLoopMonitor()
let fleet: StormFleet | undefined

function need(): StormFleet {
  if (!fleet) throw new Error('init first')
  return fleet
}

const handlers: Record<WorkerCommand, (args: never) => unknown> = {
  init: (plan: FleetPlan) => {
    const reconnector = plan.policy === 'stock' ? stockReconnector : benchReconnector
    fleet = new StormFleet({ ...plan, reconnector })
    return true
  },
  connectAll: (a: { concurrency: number; timeoutMs: number }) =>
    need().connectAll(a.concurrency, a.timeoutMs),
  release: (count: number) => need().release(count),
  mark: () => need().mark(),
  status: (since: number) => need().status(since),
  verify: (timeoutMs: number) => need().verify(timeoutMs),
  lag: () => readLag(loop),
  stop: () => fleet?.stop(),
}

port.on('message', (msg: { id: number; cmd: WorkerCommand; args: never }) => {
  void (async () => {
    try {
      const result = await handlers[msg.cmd](msg.args)
      port.postMessage({ id: msg.id, result: result ?? null })
    } catch (err) {
      port.postMessage({ id: msg.id, error: err instanceof Error ? err.stack : String(err) })
    }
  })()
})
