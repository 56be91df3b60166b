/**
 * Convergence under chaos. Per seed, stock y-websocket clients (some wired like the web app, with
 * its SaveTracker and ReconnectScheduler) edit one document's rich text and title while their
 * sockets drop, they go offline and back, tabs close, and the built server is stopped (SIGTERM)
 * or killed (SIGKILL) and started again on the same data directory and port. In the end every
 * client holds the same document, a newcomer after one more SIGKILL holds it too, and every edit
 * reported saved and every offline edit of an open client is in it. The harness: test/chaos/.
 *
 *   In `pnpm test`: 10 fixed seeds (test/chaos/settings.ts).
 *   More seeds:     pnpm chaos --seeds 200             (random seeds, each printed)
 *   Replay one:     CHAOS_SEED=0x1a2b3c4d pnpm chaos   (the command a failure prints)
 *
 * Seeds run one after another on one server process (its data directory keeps every seed's
 * document): each seed's final SIGKILL and restart is the next seed's starting server, which
 * saves a start (about a CPU second) per seed. A failed seed's server is discarded and the next
 * seed starts a fresh one; a replayed seed starts a fresh one too.
 */
import { afterAll, describe, expect, test } from 'vitest'
import type { ChaosServer } from './chaos/ChaosServer.js'
import { runSeed, type SeedResult } from './chaos/runSeed.js'
import { chaosSettings, replayCommand, seedText } from './chaos/settings.js'

const settings = chaosSettings()
const results: SeedResult[] = []
let server: ChaosServer | undefined

afterAll(async () => {
  await server?.dispose()
  const failed = results.filter((r) => r.failures.length > 0)
  const sum = (pick: (r: SeedResult) => number): number => results.reduce((n, r) => n + pick(r), 0)
  console.log(
    `CHAOS ${settings.origin}: ${results.length - failed.length}/${results.length} seeds passed ` +
      `in ${(sum((r) => r.stats.ms) / 1000).toFixed(1)} s ` +
      `(CPU: harness ${sum((r) => r.stats.cpuSeconds.harness).toFixed(1)} s, ` +
      `servers ${sum((r) => r.stats.cpuSeconds.server).toFixed(1)} s); ` +
      `${sum((r) => r.stats.edits)} edits (${sum((r) => r.stats.offlineEdits)} offline); ` +
      `checked present: ${sum((r) => r.verdict?.contained ?? 0)} edits ` +
      `(${sum((r) => r.verdict?.saved ?? 0)} reported saved, ` +
      `${sum((r) => r.verdict?.savedClosed ?? 0)} of them from tabs closed since, ` +
      `${sum((r) => r.verdict?.offline ?? 0)} offline of open clients), ` +
      `${sum((r) => r.verdict?.markers ?? 0)} markers visible; ` +
      `${sum((r) => r.stats.restarts)} SIGTERM restarts + ${sum((r) => r.stats.kills)} SIGKILLs ` +
      `mid-run and ${results.length} final SIGKILLs; ${sum((r) => r.stats.drops)} dropped sockets, ` +
      `${sum((r) => r.stats.offlinePeriods)} offline periods, ${sum((r) => r.stats.departed)} closed tabs` +
      failed
        .map((r) => `\n  FAILED ${seedText(r.seed)}: ${replayCommand(r.seed, settings)}`)
        .join(''),
  )
})

describe(`convergence under chaos (${settings.origin}, ${settings.steps} steps each)`, () => {
  for (const seed of settings.seeds) {
    test(`seed ${seedText(seed)}`, async () => {
      const result = await runSeed(
        seed,
        { steps: settings.steps, serverOps: settings.serverOps },
        server,
      )
      server = result.server
      results.push(result)
      const { stats, verdict } = result
      console.log(
        `chaos ${seedText(seed)}: ${result.failures.length === 0 ? 'ok' : 'FAILED'} in ` +
          `${(stats.ms / 1000).toFixed(1)} s (CPU ${stats.cpuSeconds.harness.toFixed(1)} + ` +
          `${stats.cpuSeconds.server.toFixed(1)} s): ` +
          `${stats.clients} clients (${stats.webClients} web), ` +
          `${stats.edits} edits (${stats.offlineEdits} offline); checked present: ` +
          `${verdict?.contained ?? 0} (${verdict?.saved ?? 0} saved, ` +
          `${verdict?.savedClosed ?? 0} saved by tabs closed since, ` +
          `${verdict?.offline ?? 0} offline of open clients), ${verdict?.markers ?? 0} markers visible, ` +
          `${verdict?.lostUnsaved ?? 0} unsaved edits of closed tabs lost; ` +
          `${stats.restarts} restarts, ${stats.kills} kills, ${stats.drops} drops, ` +
          `${stats.offlinePeriods} offline periods, ${stats.departed} closed tabs, ` +
          `${stats.schedulerReconnects} scheduled reconnects; ms: ${stats.phases}`,
      )
      expect(
        result.failures,
        `chaos seed ${seedText(seed)} failed; replay: ${replayCommand(seed, settings)}`,
      ).toEqual([])
    }, 120_000)
  }
})
