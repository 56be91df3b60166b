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
  targetRows,
  targetsTable,
  writeResult,
  type MetricDef,
  type RunResult,
  type ScenarioReport,
} from './report.js'
import { bigdoc, bigdocDefs } from './scenarios/bigdoc.js'
import { connections, idleDefs, roomsDefs } from './scenarios/connections.js'
import { fanout, fanoutDefs } from './scenarios/fanout.js'
import { saturation, saturationDefs } from './scenarios/saturation.js'
import { FILL_IN_FLIGHT, SEARCH_WARMUP_QUERIES, search, searchDefs } from './scenarios/search.js'
import { generateCorpus, VOCABULARY_SIZE, type SearchCorpus } from './searchCorpus.js'
import { maintenanceUrl, postgresUnavailable } from './postgres.js'
import { redisUnavailable } from './redis.js'
import {
  BenchServer,
  backingSettings,
  configureBacking,
  isTandem,
  repoRoot,
  tandemAvailable,
  tandemKindSettings,
  tandemRaisedLimits,
  useTandemMain,
} from './servers.js'

interface Plan {
  scenario: string
  title: string
  params: Record<string, unknown>
  defs: MetricDef[]
  servers: BenchServer[]
  run: (kind: BenchServer, rep: number) => Promise<RunResult>
}

/** Servers the search scenario runs on, and a reason for each other one. */
function searchServers(servers: BenchServer[]): BenchServer[] {
  const why = (s: BenchServer): string | undefined => {
    if (!isTandem(s)) return 'no search'
    if (s === BenchServer.tandemCluster) {
      return 'a search is one instance’s query on the shared database: see tandem-pg'
    }
    if (s === BenchServer.tandemNoIndex) return 'its indexing is off: nothing would be found'
    return undefined
  }
  const skipped = new Map<string, BenchServer[]>()
  for (const s of servers) {
    const reason = why(s)
    if (reason) skipped.set(reason, [...(skipped.get(reason) ?? []), s])
  }
  for (const [reason, kinds] of skipped) {
    progress(`search: not run for ${kinds.join(', ')} (${reason})`)
  }
  return servers.filter((s) => why(s) === undefined)
}

function plans(
  ctx: Ctx,
  servers: BenchServer[],
  history: () => History,
  corpus: () => SearchCorpus,
): Plan[] {
  const o: Options = ctx.opts
  const out: Plan[] = []
  const want = (s: Scenario): boolean => o.scenarios.includes(s)
  if (want(Scenario.fanout)) {
    for (const editors of o.fanoutEditors) {
      out.push({
        scenario: `fanout-${editors}`,
        title: `Fan-out: ${editors} editors × ${o.fanoutRate} updates/s for ${o.fanoutSeconds} s${o.warmupSeconds ? ` after ${o.warmupSeconds} s of warm-up` : ''}, one room (+${o.observers} observers)`,
        params: {
          editors,
          ratePerEditor: o.fanoutRate,
          seconds: o.fanoutSeconds,
          warmupSeconds: o.warmupSeconds,
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
    // A join is served by one instance: the cluster's would repeat tandem-pg's.
    if (servers.includes(BenchServer.tandemCluster)) {
      progress('bigdoc: not run for tandem-cluster (a join is one instance’s work; see tandem-pg)')
    }
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
      servers: servers.filter((s) => s !== BenchServer.tandemCluster),
      run: (kind, rep) => bigdoc(ctx, kind, history(), rep),
    })
  }
  const searchOn = want(Scenario.search) ? searchServers(servers) : []
  if (searchOn.length) {
    out.push({
      scenario: 'search',
      title: `Search: ${o.searchDocs.toLocaleString('en-US')} documents of ${o.searchWords.toLocaleString('en-US')} words imported (${FILL_IN_FLIGHT} requests in flight), then ${o.searchQueries} queries one at a time with ${o.searchLinks} links each`,
      params: {
        documents: o.searchDocs,
        wordsPerDocument: o.searchWords,
        vocabulary: VOCABULARY_SIZE,
        importsInFlight: FILL_IN_FLIGHT,
        queries: o.searchQueries,
        warmupQueries: SEARCH_WARMUP_QUERIES,
        linksPerQuery: o.searchLinks,
        seed: o.seed,
      },
      defs: searchDefs,
      servers: searchOn,
      run: (kind, rep) => search(ctx, kind, corpus(), rep),
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
  configureBacking({
    pgUrl: maintenanceUrl(opts.pgUrl),
    clusterInstances: opts.clusterInstances,
    ...(opts.redisServer ? { redisServer: opts.redisServer } : {}),
  })
  let servers = opts.servers
  if (servers.some(isTandem) && !tandemAvailable()) {
    progress('server/dist/main.js not built: skipping Tandem (run `pnpm build` at the root)')
    servers = servers.filter((s) => !isTandem(s))
  }
  const needsPg = [BenchServer.tandemPg, BenchServer.tandemCluster].filter((s) =>
    servers.includes(s),
  )
  if (needsPg.length) {
    const why = await postgresUnavailable(backingSettings().pgUrl)
    if (why) {
      progress(`${why}: skipping ${needsPg.join(', ')} (--pg-url sets the server)`)
      servers = servers.filter((s) => !needsPg.includes(s as (typeof needsPg)[number]))
    }
  }
  if (servers.includes(BenchServer.tandemCluster)) {
    const why = redisUnavailable(backingSettings().redisServer)
    if (why) {
      progress(`${why}: skipping tandem-cluster (--redis-server sets the binary)`)
      servers = servers.filter((s) => s !== BenchServer.tandemCluster)
    }
  }
  const outDir = opts.outDir ?? join(repoRoot, 'bench', 'results')
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const ctx: Ctx = {
    // The stock worker plus a same- vs cross-instance split of deliveries (splitWorker.ts).
    pool: new WorkerPool(opts.workers, new URL('./splitWorker.js', import.meta.url)),
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
    ...servers.flatMap((s) => {
      const settings = tandemKindSettings[s]
      return settings ? [`${s}: ${JSON.stringify(settings)}`] : []
    }),
    ...(servers.some((s) => s === BenchServer.tandemPg || s === BenchServer.tandemCluster)
      ? [
          `PostgreSQL: ${redactUrl(backingSettings().pgUrl)} (a database per run, dropped after); ` +
            `CPU counts its backends of that database and its shared processes above idle` +
            (servers.includes(BenchServer.tandemCluster)
              ? `; tandem-cluster: ${backingSettings().clusterInstances} instances + a private ${backingSettings().redisServer}`
              : ''),
        ]
      : []),
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
  let corpus: SearchCorpus | undefined
  const getCorpus = (): SearchCorpus => {
    if (!corpus) {
      progress(
        `generating ${opts.searchDocs} documents of ${opts.searchWords} words (seed ${opts.seed})`,
      )
      corpus = generateCorpus(opts.searchDocs, opts.searchWords, opts.seed)
      progress(
        `corpus: ${corpus.words} words, ${(corpus.bytes / 2 ** 20).toFixed(1)} MiB of requests`,
      )
    }
    return corpus
  }
  let failures = 0
  const reports: ScenarioReport[] = []
  try {
    for (const plan of plans(ctx, servers, getHistory, getCorpus)) {
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
      reports.push(report)
      const text = table(report)
      const line = jsonLine(report)
      console.log(text)
      console.log(line)
      console.log('')
      writeResult(outDir, `${stamp}.md`, `${text}\n`)
      writeResult(outDir, `${stamp}.jsonl`, line)
    }
    const targets = targetRows(reports)
    if (targets.length) {
      const text = targetsTable(targets)
      console.log(text)
      writeResult(outDir, `${stamp}.md`, `${text}\n`)
      writeResult(outDir, `${stamp}.jsonl`, JSON.stringify({ targets }))
    }
  } finally {
    await ctx.pool.close()
  }
  progress(`results in ${outDir}/${stamp}.{md,jsonl}`)
  if (failures) process.exitCode = 1
}

/** A URL without its password, for the report header. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '(unparsable URL)'
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
})
