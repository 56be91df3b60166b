/**
 * Search (Tandem only): fill a fresh server with a seeded corpus through the REST API, as an
 * operator importing documents does (`POST /api/docs {title, markdown}`, a few requests in
 * flight; an imported document is indexed before the request answers), then send queries one at
 * a time (`POST /api/search`, each with the links of a random subset of the documents) and time
 * each from the client, from writing the request to the last byte of the answer. The server's
 * CPU (PostgreSQL's share included) is measured over the fill and over the queries.
 */
import { join } from 'node:path'
import { MAX_SEARCH_RESULTS, type CreatedDocument, type SearchResults } from '@tandem/shared'
import { nowMs, pollUntil } from '../clock.js'
import type { Ctx } from '../context.js'
import { mainLag, progress, since, voidLagP99Ms } from '../context.js'
import { JsonClient } from '../httpClient.js'
import { CpuWindow } from '../machine.js'
import type { MetricDef, RunResult } from '../report.js'
import { generateQueries, TermClass, type SearchCorpus } from '../searchCorpus.js'
import { startServer, type BenchServer } from '../servers.js'
import { summarize } from '../stats.js'

/** Import requests in flight while filling: enough to keep a two-core server busy. */
export const FILL_IN_FLIGHT = 8

/** Queries sent before the measured ones (not counted), so the first measured is not the first. */
export const SEARCH_WARMUP_QUERIES = 20

export const searchDefs: MetricDef[] = [
  { key: 'fillSeconds', label: 'fill: time to import every document (s)', better: 'lower' },
  { key: 'fillDocsPerSec', label: 'fill: documents imported / s', better: 'higher', digits: 1 },
  {
    key: 'fillCpuMsPerDoc',
    label: 'fill: server CPU ms / document (PostgreSQL included)',
    better: 'lower',
  },
  { key: 'queryP50', label: 'query latency p50 (ms)', better: 'lower' },
  { key: 'queryP95', label: 'query latency p95 (ms)', better: 'lower' },
  { key: 'queryP99', label: 'query latency p99 (ms)', better: 'lower' },
  { key: 'queryMax', label: 'query latency max (ms)', better: 'lower' },
  { key: 'resultsMean', label: `results per query, mean (at most ${MAX_SEARCH_RESULTS})` },
  {
    key: 'cpuMsPerQuery',
    label: 'server CPU ms / query (PostgreSQL included)',
    better: 'lower',
    digits: 3,
  },
  { key: 'cpuDbMsPerQuery', label: '… of which PostgreSQL', better: 'lower', digits: 3 },
  {
    key: 'peakRssMiB',
    label: 'server peak RSS, fill and queries (MiB)',
    better: 'lower',
    digits: 1,
  },
  { key: 'genLagP99', label: 'generator loop lag p99, queries (ms)' },
  { key: 'othersPct', label: 'other processes during the queries, % of machine', digits: 0 },
]

/** A failed request as one line: status and the start of the body. */
function failure(what: string, status: number, body: string): Error {
  return new Error(`${what}: HTTP ${status} ${body.slice(0, 200)}`)
}

/**
 * Imports every document of the corpus, `FILL_IN_FLIGHT` at a time, in corpus order of start;
 * resolves with their edit links (by corpus index). Stops at the first failure.
 */
async function fill(
  client: JsonClient,
  corpus: SearchCorpus,
  kind: BenchServer,
): Promise<string[]> {
  const n = corpus.bodies.length
  const ids = new Array<string>(n)
  let next = 0
  let done = 0
  let failed: Error | undefined
  const step = Math.max(1, Math.ceil(n / 10))
  const start = nowMs()
  const loop = async (): Promise<void> => {
    while (!failed && next < n) {
      const i = next++
      const res = await client.post('/api/docs', corpus.bodies[i] as Buffer, 60_000)
      if (res.status !== 201) {
        failed ??= failure(`importing document ${i}`, res.status, res.body)
        return
      }
      ids[i] = (JSON.parse(res.body) as CreatedDocument).id
      if (++done % step === 0 && done < n) {
        const rate = done / ((nowMs() - start) / 1000)
        progress(`search ${kind}: ${done}/${n} imported (${rate.toFixed(0)} documents/s)`)
      }
    }
  }
  await Promise.all(Array.from({ length: FILL_IN_FLIGHT }, () => loop()))
  if (failed) throw failed
  return ids
}

/** A query's body, `{"q":…,"links":[…]}`. */
function queryBody(q: string, links: string[]): Buffer {
  return Buffer.from(JSON.stringify({ q, links }))
}

/**
 * Resolves once a search for the last document's title through its own link finds it (an import
 * is indexed before it answers, so at once unless the server's indexing is off or broken).
 */
async function awaitFindable(client: JsonClient, title: string, id: string): Promise<void> {
  let last = ''
  const found = await pollUntil(
    async () => {
      const res = await client.post('/api/search', queryBody(title, [id]), 10_000)
      if (res.status === 404) throw failure('this Tandem has no POST /api/search', 404, res.body)
      if (res.status !== 200) throw failure('search', res.status, res.body)
      last = res.body.slice(0, 200)
      return (JSON.parse(res.body) as SearchResults).results.some((r) => r.id === id)
    },
    30_000,
    200,
  )
  if (!found) throw new Error(`an imported document was never found by its title (last: ${last})`)
}

export async function search(
  ctx: Ctx,
  kind: BenchServer,
  corpus: SearchCorpus,
  rep: number,
): Promise<RunResult> {
  const o = ctx.opts
  const server = await startServer(
    kind,
    o.profile ? { cpuProfDir: join(ctx.profileDir, `search-${kind}-${rep}`) } : {},
  )
  const client = new JsonClient(server.target.port, FILL_IN_FLIGHT)
  const notes: string[] = []
  try {
    const docs = corpus.bodies.length
    const fillStart = nowMs()
    const fillMeter = server.meter()
    const ids = await fill(client, corpus, kind)
    const fillCpu = fillMeter.close()
    const fillMs = since(fillStart)
    const lastTitle = corpus.titles[docs - 1] as string
    await awaitFindable(client, lastTitle, ids[docs - 1] as string)
    progress(
      `search ${kind}: ${docs} documents imported in ${(fillMs / 1000).toFixed(1)} s ` +
        `(${(docs / (fillMs / 1000)).toFixed(0)}/s), server ${fillCpu.total.toFixed(1)} s CPU`,
    )

    const queries = generateQueries(
      corpus.vocabulary,
      SEARCH_WARMUP_QUERIES + o.searchQueries,
      docs,
      o.searchLinks,
      o.seed,
    )
    const bodies = queries.map((q) =>
      queryBody(
        q.q,
        q.docs.map((d) => ids[d] as string),
      ),
    )
    const send = async (i: number): Promise<{ ms: number; results: number }> => {
      const res = await client.post('/api/search', bodies[i] as Buffer, 30_000)
      if (res.status !== 200) throw failure(`query "${queries[i]?.q}"`, res.status, res.body)
      return { ms: res.ms, results: (JSON.parse(res.body) as SearchResults).results.length }
    }
    for (let i = 0; i < SEARCH_WARMUP_QUERIES; i++) await send(i)
    // PostgreSQL's shared processes' rate at rest, subtracted from the window.
    await server.measureIdle(2000)
    const samples: number[] = []
    const counts: number[] = []
    mainLag(ctx)
    const meter = server.meter()
    const window = new CpuWindow()
    for (let i = SEARCH_WARMUP_QUERIES; i < queries.length; i++) {
      const r = await send(i)
      samples.push(r.ms)
      counts.push(r.results)
    }
    const used = meter.close()
    const machine = window.close(used.pids)
    const lag = mainLag(ctx)

    const lat = summarize(samples)
    const measured = queries.slice(SEARCH_WARMUP_QUERIES)
    const byClass = Object.values(TermClass)
      .map((c) => {
        const mine = samples.filter((_, i) => measured[i]?.classes.includes(c))
        return `${c} ${summarize(mine).p50.toFixed(2)} (${mine.length})`
      })
      .join(', ')
    const empty = counts.filter((n) => n === 0).length
    const capped = counts.filter((n) => n >= MAX_SEARCH_RESULTS).length
    const resultsMean = counts.reduce((a, b) => a + b, 0) / (counts.length || 1)
    progress(
      `search ${kind}: ${samples.length} queries, p50 ${lat.p50.toFixed(2)} p99 ${lat.p99.toFixed(2)} ` +
        `max ${lat.max.toFixed(1)} ms, ${resultsMean.toFixed(1)} results on average, server ` +
        `${((1000 * used.total) / samples.length).toFixed(2)} ms CPU per query, lag p99 ${lag.p99Ms.toFixed(1)} ms`,
    )
    const metrics: Record<string, number> = {
      fillSeconds: fillMs / 1000,
      fillDocsPerSec: docs / (fillMs / 1000),
      fillCpuMsPerDoc: (1000 * fillCpu.total) / docs,
      queryP50: lat.p50,
      queryP95: lat.p95,
      queryP99: lat.p99,
      queryMax: lat.max,
      resultsMean,
      cpuMsPerQuery: (1000 * used.total) / samples.length,
      peakRssMiB: server.memory().peakRssBytes / 2 ** 20,
      genLagP99: lag.p99Ms,
      othersPct: machine.othersPct,
    }
    if (Number.isFinite(used.db)) {
      metrics.cpuDbMsPerQuery = (1000 * (used.db + used.dbShared)) / samples.length
    }
    notes.push(
      `query p50 by term class, ms (queries): ${byClass}`,
      `${empty} queries found nothing, ${capped} hit the ${MAX_SEARCH_RESULTS}-result cap`,
      ...fillCpu.notes,
      ...used.notes,
    )
    if (machine.topOthers) notes.push(`busiest other processes: ${machine.topOthers}`)
    const lagVoid = lag.p99Ms > voidLagP99Ms
    if (lagVoid) notes.push(`generator lag p99 ${lag.p99Ms.toFixed(1)} ms > ${voidLagP99Ms}`)
    return {
      server: kind,
      metrics,
      facts: {
        corpus: `${docs} documents, ${corpus.words.toLocaleString('en-US')} words, ${(corpus.bytes / 2 ** 20).toFixed(1)} MiB of requests`,
      },
      void: lagVoid,
      notes,
    }
  } finally {
    client.close()
    await server.stop()
    await server.cleanup()
  }
}
