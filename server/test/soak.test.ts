/**
 * A short soak (the long one is `pnpm soak`): connections opened and closed against the built
 * server over many documents — clean closes, closes mid-sync, sockets destroyed without a close
 * frame — after which the server must hold no room and no more file descriptors than before.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { ServerUnderTest } from '../../bench/src/reliability/serverUnderTest.js'
import { runSoak, settle, type SoakOptions } from '../../bench/src/reliability/soakRun.js'

const ROOM_IDLE_MS = 1_000

const cleanups: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

test('after connections come and go (clean, mid-sync, abandoned) rooms and descriptors return to the start', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tandem-soak-'))
  const server = new ServerUnderTest({ dataDir, env: { ROOM_IDLE_MS: String(ROOM_IDLE_MS) } })
  cleanups.push(async () => {
    await server.dispose()
    await rm(dataDir, { recursive: true, force: true })
  })
  await server.start()
  const base = {
    port: server.port,
    maxHoldMs: 1_000,
    midSyncFraction: 0.25,
    abandonFraction: 0.25,
    seed: 5,
    connectionTimeoutMs: 15_000,
  } satisfies Partial<SoakOptions>

  // Warm-up with the same traffic, so what the server sets up once (prepared statements, the
  // storage thread's handles) is part of the baseline rather than counted as a leak.
  await runSoak({
    ...base,
    connections: 60,
    docs: 6,
    durationMs: 500,
    roomPrefix: 'soak-w',
    clientIdBase: 1,
  })
  const warm = await settle(server, ROOM_IDLE_MS, Infinity)
  expect(warm.after.roomsLoaded).toBe(0)
  const baselineFds = warm.after.fds

  const stats = await runSoak({
    ...base,
    connections: 600,
    docs: 60,
    durationMs: 6_000,
    roomPrefix: 'soak',
    clientIdBase: 100_000,
  })
  expect(stats.failed).toBe(0)
  expect(stats.serverCloses).toEqual({})
  expect(stats.byKind['mid-sync']).toBeGreaterThan(0)
  expect(stats.byKind.abandoned).toBeGreaterThan(0)
  expect(stats.editsSaved).toBe(stats.byKind.clean + stats.byKind.abandoned)

  const end = await settle(server, ROOM_IDLE_MS, baselineFds)
  expect(end.after.roomsLoaded).toBe(0)
  expect(end.after.connections).toBe(0)
  // No slack: a descriptor more than after the warm-up is a socket or file someone kept.
  expect(end.after.fds).toBeLessThanOrEqual(baselineFds)
  expect(server.unexpectedExits).toEqual([])
}, 60_000)
