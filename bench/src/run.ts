/**
 * `pnpm bench`: runs every scenario against Tandem and the peers, each server a child process of
 * this one, prints a table and one JSON line per scenario, and appends both to the results
 * directory. Progress goes to stderr.
 */
import { cpus, freemem, totalmem } from 'node:os'
import { join } from 'node:path'
import { generateHistory, type History } from './bigdoc.js'
import { Scenario, parseOptions, usage, type Options } from './cli.js'
import { createLoopMonitor, progress, type Ctx } from './context.js'
import { waitForQuiet } from './machine.js'
import { WorkerPool } from './pool.js'
import {
  jsonLine,
  table,
  writeResult,
  type MetricDef,
  type RunResult,
  type ScenarioReport,
} from './report.js'
import { bigdoc, bigdocDefs } from './scenarios/bigdoc.js'
import { connections, idleDefs, roomsDefs } from './scenarios/connections.js'
import { fanout, fanoutDefs } from './scenarios/fanout.js'
import { saturation, saturationDefs } from './scenarios/saturation.js'
import { repoRoot, tandemAvailable, tandemRaisedLimits, useTandemMain } from './servers.js'
import { ServerKind } from './wire.js'

interface Plan {
  scenario: string
  title: string
  params: Record<string, unknown>
  defs: MetricDef[]
  servers: ServerKind[]
  run: (kind: ServerKind, rep: number) => Promise<RunResult>
}

function plans(ctx: Ctx, servers: ServerKind[], history: () => History): Plan[] {
  const o: Options = ctx.opts
  const out: Plan[] = []
  const want = (s: Scenario): boolean => o.scenarios.includes(s)
  if (want(Scenario.fanout)) {
    for (const editors of o.fanoutEditors) {
      out.push({
        scenario: `fanout-${editors}`,
        title: `Fan-out: ${editors} editors × ${o.fanoutRate} updates/s for ${o.fanoutSeconds} s, one room (+${o.observers} observers)`,
        params: {
          editors,
          ratePerEditor: o.fanoutRate,
          seconds: o.fanoutSeconds,
          observers: o.observers,
          tandemSavedAcks: o.ack,
        },
        defs: fanoutDefs,
        servers,
        run: (kind, rep) => fanout(ctx, kind, editors, rep),
      })
    }
  }
  if (want(Scenario.saturation)) {
    out.push({
      scenario: 'saturation',
      title: `Saturation: ${o.satEditors} editors in one room, offered load ×${o.satFactor} per ${o.satStepSeconds} s step from ${o.satStart} updates/s`,
      params: {
        editors: o.satEditors,
        startUpdatesPerSec: o.satStart,
        factor: o.satFactor,
        stepSeconds: o.satStepSeconds,
        maxSteps: o.satMaxSteps,
        stopWhen: 'delivered/offered < 0.99 or p99 > 100 ms',
      },
      defs: saturationDefs,
      servers,
      run: (kind, rep) => saturation(ctx, kind, rep),
    })
  }
  if (want(Scenario.rooms)) {
    out.push({
      scenario: 'rooms',
      title: `Many rooms: ${o.rooms} rooms × ${o.roomClients} clients, ${o.concurrency} connecting at a time`,
      params: { rooms: o.rooms, clientsPerRoom: o.roomClients, concurrency: o.concurrency },
      defs: roomsDefs,
      servers,
      run: (kind, rep) => connections(ctx, kind, 'rooms', o.rooms, o.roomClients, rep),
    })
  }
  if (want(Scenario.bigdoc)) {
    out.push({
      scenario: 'bigdoc',
      title: `Big-document join: ${o.bigdocOps.toLocaleString('en-US')}-operation history, ${o.joins} hot joins, ${o.coldJoins} cold joins (restart before each)`,
      params: {
        ops: o.bigdocOps,
        batch: o.bigdocBatch,
        joins: o.joins,
        coldJoins: o.coldJoins,
        seed: o.seed,
      },
      defs: bigdocDefs,
      servers,
      run: (kind, rep) => bigdoc(ctx, kind, history(), rep),
    })
  }
  if (want(Scenario.idle)) {
    out.push({
      scenario: 'idle',
      title: `Idle: ${o.idleRooms * o.idleClients} connections over ${o.idleRooms} rooms`,
      params: { rooms: o.idleRooms, clientsPerRoom: o.idleClients },
      defs: idleDefs,
      servers,
      run: (kind, rep) => connections(ctx, kind, 'idle', o.idleRooms, o.idleClients, rep),
    })
  }
  return out
}

async function main(): Promise<void> {
  const parsed = parseOptions(process.argv.slice(2))
  if (parsed === 'help') {
    console.log(usage)
    return
  }
  const opts = parsed
  if (opts.tandemMain) useTandemMain(opts.tandemMain)
  let servers = opts.servers
  if (servers.includes(ServerKind.tandem) && !tandemAvailable()) {
    progress('server/dist/main.js not built: skipping Tandem (run `pnpm build` at the root)')
    servers = servers.filter((s) => s !== ServerKind.tandem)
  }
  const outDir = opts.outDir ?? join(repoRoot, 'bench', 'results')
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const ctx: Ctx = {
    pool: new WorkerPool(opts.workers),
    opts,
    mainLoop: createLoopMonitor(),
    runId: stamp.slice(11, 19).replace(/-/g, ''),
    profileDir: join(outDir, 'profiles'),
  }
  const header = [
    `# Tandem bench ${new Date().toISOString()}${opts.smoke ? ' (smoke)' : ''}`,
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} free), node ${process.version}`,
    `generator: 1 process, ${opts.workers} worker threads; servers: ${servers.join(', ')}; repeats: ${opts.repeat}`,
    `tandem: ${opts.tandemMain ?? 'server/dist/main.js'}`,
    `limits raised on Tandem: ${Object.keys(tandemRaisedLimits).length ? JSON.stringify(tandemRaisedLimits) : 'none'}`,
    '',
  ].join('\n')
  console.log(header)
  writeResult(outDir, `${stamp}.md`, header)
  let history: History | undefined
  const getHistory = (): History => {
    if (!history) {
      progress(`generating a ${opts.bigdocOps}-operation history (seed ${opts.seed})`)
      history = generateHistory(opts.bigdocOps, opts.bigdocBatch, opts.seed)
      progress(
        `history: ${history.payloads.length} updates, ${history.historyBytes} B; state ${history.stateBytes} B, ` +
          `${history.characters} characters in ${history.paragraphs} paragraphs`,
      )
    }
    return history
  }
  if (opts.scenarios.includes(Scenario.bigdoc)) getHistory()
  let failures = 0
  try {
    for (const plan of plans(ctx, servers, getHistory)) {
      const report: ScenarioReport = {
        scenario: plan.scenario,
        title: plan.title,
        params: plan.params,
        defs: [
          ...plan.defs,
          { key: 'machineBusyBeforePct', label: 'machine busy before run (%)', digits: 0 },
        ],
        runs: [],
      }
      // Interleave servers within each repeat so slow drifts of a shared machine hit all alike.
      for (let rep = 0; rep < opts.repeat; rep++) {
        for (const kind of plan.servers) {
          const busy = await waitForQuiet(opts.quietPct, opts.quietWaitSeconds * 1000)
          progress(
            `${plan.scenario} #${rep + 1} ${kind} (machine ${busy.toFixed(0)} % busy before)`,
          )
          try {
            const result = await plan.run(kind, rep)
            result.metrics.machineBusyBeforePct = busy
            report.runs.push(result)
          } catch (err) {
            failures++
            const message = err instanceof Error ? err.message : String(err)
            progress(`${plan.scenario} ${kind} failed: ${message}`)
            report.runs.push({
              server: kind,
              metrics: {},
              facts: { error: message },
              void: true,
              notes: [],
            })
          }
        }
      }
      const text = table(report)
      const line = jsonLine(report)
      console.log(text)
      console.log(line)
      console.log('')
      writeResult(outDir, `${stamp}.md`, `${text}\n`)
      writeResult(outDir, `${stamp}.jsonl`, line)
    }
  } finally {
    await ctx.pool.close()
  }
  progress(`results in ${outDir}/${stamp}.{md,jsonl}`)
  if (failures) process.exitCode = 1
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
})
