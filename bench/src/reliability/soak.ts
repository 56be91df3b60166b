/**
 * `pnpm soak`: opens and closes connections against the built server for `--minutes` (default
 * 10): `--connections` (10,000) over `--docs` (1,000), some closed mid-sync, some abandoned
 * (socket destroyed, no close frame). Before and after, once ROOM_IDLE_MS has passed: loaded
 * rooms, open file descriptors and the heap after a forced GC (through the V8 inspector, so no
 * server change is needed). Exits 1 when something did not come back.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { serverMain } from '@tandem/testkit'
import { progress } from '../context.js'
import { ServerUnderTest } from './serverUnderTest.js'
import { runSoak, settle, type SoakOptions } from './soakRun.js'

const usage = `pnpm soak [-- options]
  --minutes 10          how long connections keep starting
  --connections 10000   connections in all, started evenly over the run
  --docs 1000           documents they pick from at random
  --hold 10             seconds a synced connection stays open, at most (uniform)
  --mid-sync 0.2        fraction closed mid-sync (a close frame or a destroyed socket)
  --abandon 0.2         fraction abandoned after syncing (socket destroyed, no close frame)
  --room-idle-ms 5000   the server's ROOM_IDLE_MS (its default)
  --fd-slack 0          open descriptors allowed above the start
  --seed 1  --json FILE`

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    minutes: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10000' },
    docs: { type: 'string', default: '1000' },
    hold: { type: 'string', default: '10' },
    'mid-sync': { type: 'string', default: '0.2' },
    abandon: { type: 'string', default: '0.2' },
    'room-idle-ms': { type: 'string', default: '5000' },
    'fd-slack': { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
})
if (values.help) {
  console.log(usage)
  process.exit(0)
}
const num = (name: keyof typeof values): number => {
  const n = Number(values[name])
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a number\n${usage}`)
  return n
}

async function main(): Promise<void> {
  if (!existsSync(serverMain))
    throw new Error('Build the server first: npx tsc -b shared testkit server')
  const roomIdleMs = num('room-idle-ms')
  const fdSlack = num('fd-slack')
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-soak-'))
  const server = new ServerUnderTest({
    dataDir,
    inspector: true,
    env: { ROOM_IDLE_MS: String(roomIdleMs) },
  })
  const runId = Math.random().toString(36).slice(2, 8)
  try {
    await server.start()
    const base: Omit<
      SoakOptions,
      'connections' | 'docs' | 'durationMs' | 'roomPrefix' | 'clientIdBase'
    > = {
      port: server.port,
      maxHoldMs: num('hold') * 1000,
      midSyncFraction: num('mid-sync'),
      abandonFraction: num('abandon'),
      seed: num('seed'),
      log: (line) => progress(`soak: ${line}`),
    }
    // Warm-up: the same kinds of connection, so one-off allocations (compiled code, prepared
    // statements, pools) are in the baseline and not counted as drift.
    progress('soak: warm-up')
    await runSoak({
      ...base,
      connections: 200,
      docs: 20,
      durationMs: 2_000,
      maxHoldMs: 500,
      roomPrefix: `sk-${runId}-w`,
      clientIdBase: 1,
    })
    const warm = await settle(server, roomIdleMs, Infinity)
    const before = warm.after
    progress(
      `soak: baseline ${before.fds} fds, heap ${(before.heapAfterGcBytes / 1e6).toFixed(1)} MB after GC`,
    )
    const stats = await runSoak({
      ...base,
      connections: num('connections'),
      docs: num('docs'),
      durationMs: num('minutes') * 60_000,
      roomPrefix: `sk-${runId}`,
      clientIdBase: 1_000_000,
    })
    progress(
      `soak: all ${stats.started} connections gone after ${(stats.wallMs / 1000).toFixed(0)} s; settling`,
    )
    const end = await settle(server, roomIdleMs, before.fds + fdSlack)
    const after = end.after
    const heapRatio = after.heapAfterGcBytes / before.heapAfterGcBytes
    const ok =
      after.roomsLoaded === 0 &&
      after.connections === 0 &&
      after.fds <= before.fds + fdSlack &&
      Math.abs(heapRatio - 1) <= 0.1 &&
      stats.failed === 0 &&
      server.unexpectedExits.length === 0
    const mb = (b: number): string => (b / 1e6).toFixed(1)
    console.log(
      `\n## Soak: ${stats.started} connections over ${values.docs} documents in ${(stats.wallMs / 60_000).toFixed(1)} min\n`,
    )
    console.log(
      `kinds: clean ${stats.byKind.clean}, closed mid-sync ${stats.byKind['mid-sync']} (${stats.closedBeforeSync} before the server's step 2), abandoned ${stats.byKind.abandoned}; synced ${stats.synced}, edits saved ${stats.editsSaved}, failed ${stats.failed}, closes by the server ${JSON.stringify(stats.serverCloses)}, at most ${stats.maxOpen} open at once\n`,
    )
    console.log('| | start (after warm-up) | end | drift |')
    console.log('|---|---:|---:|---:|')
    console.log(
      `| rooms loaded | ${before.roomsLoaded} | ${after.roomsLoaded} (0 after ${(end.roomsZeroMs / 1000).toFixed(1)} s, ROOM_IDLE_MS ${roomIdleMs}) | ${after.roomsLoaded - before.roomsLoaded} |`,
    )
    console.log(
      `| connections (gauge) | ${before.connections} | ${after.connections} | ${after.connections - before.connections} |`,
    )
    console.log(`| open fds | ${before.fds} | ${after.fds} | ${after.fds - before.fds} |`)
    console.log(
      `| heap after forced GC | ${mb(before.heapAfterGcBytes)} MB | ${mb(after.heapAfterGcBytes)} MB | ${((heapRatio - 1) * 100).toFixed(1)} % |`,
    )
    console.log(
      `| nodejs_heap_size_used_bytes after GC | ${mb(before.metricsHeapBytes)} MB | ${mb(after.metricsHeapBytes)} MB | ${((after.metricsHeapBytes / before.metricsHeapBytes - 1) * 100).toFixed(1)} % |`,
    )
    console.log(
      `| RSS | ${mb(before.rssBytes)} MB | ${mb(after.rssBytes)} MB | ${((after.rssBytes / before.rssBytes - 1) * 100).toFixed(1)} % |`,
    )
    console.log(
      `\n${ok ? 'PASS' : 'FAIL'}: rooms back to 0, fds back to the start${fdSlack ? ` (+${fdSlack})` : ''}, heap within 10 %, nothing failed${server.unexpectedExits.length ? `; the server exited (${server.unexpectedExits.join(', ')})` : ''}`,
    )
    if (values.json) writeFileSync(values.json, JSON.stringify({ stats, before, end }, null, 1))
    process.exitCode = ok ? 0 : 1
  } finally {
    await server.dispose()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
