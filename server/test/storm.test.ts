/**
 * A small reconnect storm (the full one is `pnpm storm`): 300 stock-protocol clients over 30
 * documents, reconnecting with the web client's own scheduler, through a SIGKILL restart of the
 * built server on the same data directory and port. Every client must sync again, none may give
 * up, and every edit a client saw acknowledged must be in its document for a fresh reader.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { LocalFleets } from '../../bench/src/reliability/fleets.js'
import { benchReconnector } from '../../bench/src/reliability/reconnectPolicy.js'
import { ServerUnderTest } from '../../bench/src/reliability/serverUnderTest.js'
import { runStorm } from '../../bench/src/reliability/stormRun.js'

const cleanups: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

test('300 clients resync after a SIGKILL within 30 s; none gives up; nothing acknowledged is lost', async () => {
  const clients = 300
  const docs = 30
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tandem-storm-'))
  const server = new ServerUnderTest({ dataDir })
  cleanups.push(async () => {
    await server.dispose()
    await rm(dataDir, { recursive: true, force: true })
  })
  await server.start()
  const fleets = new LocalFleets(
    {
      port: server.port,
      clients: Array.from({ length: clients }, (_, i) => ({
        index: i,
        room: `storm-${i % docs}`,
        replica: i < docs,
      })),
      editsPerClient: 3,
      seed: 1,
    },
    // The web app's own scheduler (shared/src/reconnectPolicy.ts).
    benchReconnector,
  )
  cleanups.unshift(() => fleets.stop())

  const result = await runStorm(server, fleets, clients, {
    restarts: ['SIGKILL'],
    rampConcurrency: 100,
    phaseTimeoutMs: 45_000,
    measureMemory: false,
  })

  const failure = `${result.aborted ?? ''}\n${server.output()}`
  expect(result.connected, failure).toBe(clients)
  const restart = result.restarts[0]
  expect(restart, failure).toBeDefined()
  expect(restart?.status.resynced, failure).toBe(clients)
  expect(restart?.lastSyncMs).toBeLessThanOrEqual(30_000)
  expect(result.final.gaveUp).toBe(0)
  expect(server.unexpectedExits).toEqual([])
  expect(result.aborted).toBeUndefined()
  // A fresh reader per document holds every acknowledged edit (3 per client, all acknowledged
  // in the end), and the replicas that applied everything agree with it.
  expect(result.verify).toMatchObject({
    rooms: docs,
    readersFailed: 0,
    checkedSaved: clients * 3,
    lostSaved: 0,
    neverSaved: 0,
    replicasChecked: docs,
    replicasDiverged: 0,
  })
}, 90_000)
