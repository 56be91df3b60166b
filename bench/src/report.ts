/**
 * Results: per-scenario tables (medians over repeats, Tandem / peer ratios) on stdout, one JSON
 * line per scenario, and everything written to the results directory.
 */
import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { BenchServer, backingSettings, isTandem } from './servers.js'
import { median } from './stats.js'

export interface MetricDef {
  key: string
  label: string
  /** Which direction is better; ratios are printed for every metric that has one. */
  better?: 'lower' | 'higher'
  digits?: number
}

/** One run of one scenario against one server. */
export interface RunResult {
  server: BenchServer
  metrics: Record<string, number>
  /** Non-numeric facts (convergence, errors). */
  facts: Record<string, string | boolean>
  /** The generator lagged (p99 > 10 ms) or the run failed: not to be quoted. */
  void: boolean
  notes: string[]
}

export interface ScenarioReport {
  scenario: string
  title: string
  params: Record<string, unknown>
  defs: MetricDef[]
  runs: RunResult[]
}

function fmt(v: number | undefined, digits = 2): string {
  if (v === undefined || !Number.isFinite(v)) return '–'
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US')
  return v.toFixed(digits)
}

/** Median of each metric over a server's runs (void runs excluded unless all are void). */
export function medians(runs: RunResult[]): { metrics: Record<string, number>; void: boolean } {
  const valid = runs.filter((r) => !r.void)
  const use = valid.length ? valid : runs
  const keys = new Set(use.flatMap((r) => Object.keys(r.metrics)))
  const metrics: Record<string, number> = {}
  for (const k of keys) metrics[k] = median(use.map((r) => r.metrics[k] ?? NaN))
  return { metrics, void: valid.length === 0 }
}

/** Column names of the servers. */
function short(kind: BenchServer): string {
  switch (kind) {
    case BenchServer.tandem:
      return 'Tandem'
    case BenchServer.tandemPg:
      return 'Tandem+PG'
    case BenchServer.tandemCluster:
      return `Tandem×${backingSettings().clusterInstances}+PG+Redis`
    case BenchServer.tandemNoIndex:
      return 'Tandem no-index'
    case BenchServer.yws:
      return 'y-ws-server'
    case BenchServer.hocuspocus:
      return 'Hocuspocus'
    case BenchServer.hocuspocusSqlite:
      return 'Hocus+SQLite'
  }
}

/** Short names in ratio column headers (T = Tandem on SQLite, as before). */
function ratioName(kind: BenchServer): string {
  switch (kind) {
    case BenchServer.tandemPg:
      return 'TPG'
    case BenchServer.tandemCluster:
      return `T×${backingSettings().clusterInstances}`
    case BenchServer.tandemNoIndex:
      return 'T-noindex'
    default:
      return 'T'
  }
}

/** Servers in their canonical order, those present in `runs`. */
function present(runs: RunResult[]): BenchServer[] {
  return Object.values(BenchServer).filter((s) => runs.some((r) => r.server === s))
}

/** `a / b` of one metric, 'VOID' when either side is void, undefined when not comparable. */
function ratio(
  a: { metrics: Record<string, number>; void: boolean } | undefined,
  b: { metrics: Record<string, number>; void: boolean } | undefined,
  key: string,
): number | 'VOID' | undefined {
  const x = a?.metrics[key]
  const y = b?.metrics[key]
  if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y) || !y) {
    return undefined
  }
  if (a?.void || b?.void) return 'VOID'
  return x / y
}

/**
 * The ratios a report shows, as [numerator, denominator]: each Tandem deployment over each peer,
 * and Tandem over Tandem without search indexing (what indexing costs; that one is compared
 * with Tandem only).
 */
function ratioPairs(servers: BenchServer[]): (readonly [BenchServer, BenchServer])[] {
  const tandems = servers.filter((s) => isTandem(s) && s !== BenchServer.tandemNoIndex)
  const peers = servers.filter((s) => !isTandem(s))
  const pairs = tandems.flatMap((t) => peers.map((p) => [t, p] as const))
  if (servers.includes(BenchServer.tandem) && servers.includes(BenchServer.tandemNoIndex)) {
    pairs.push([BenchServer.tandem, BenchServer.tandemNoIndex])
  }
  return pairs
}

/**
 * Renders a Markdown table: one row per metric, a column per server, then the ratios of
 * `ratioPairs`.
 */
export function table(report: ScenarioReport): string {
  const servers = present(report.runs)
  const m = new Map(servers.map((s) => [s, medians(report.runs.filter((r) => r.server === s))]))
  const pairs = ratioPairs(servers)
  const header = ['metric', ...servers.map((s) => short(s) + (m.get(s)?.void ? ' (VOID)' : ''))]
  header.push(...pairs.map(([t, p]) => `${ratioName(t)}/${short(p)}`))
  const rows = [header, header.map(() => '---')]
  for (const def of report.defs) {
    if (servers.every((s) => m.get(s)?.metrics[def.key] === undefined)) continue
    const row = [def.label]
    for (const s of servers) row.push(fmt(m.get(s)?.metrics[def.key], def.digits))
    for (const [t, p] of pairs) {
      const r = def.better ? ratio(m.get(t), m.get(p), def.key) : undefined
      row.push(r === undefined ? '' : r === 'VOID' ? 'VOID' : r.toFixed(2))
    }
    rows.push(row)
  }
  const facts = servers
    .map((s) => {
      const runs = report.runs.filter((r) => r.server === s)
      const f = runs.map((r) =>
        Object.entries(r.facts)
          .map(([k, v]) => `${k}=${v}`)
          .join(', '),
      )
      const notes = runs.flatMap((r) => r.notes)
      return `- ${short(s)}: ${[...new Set(f)].join(' | ')}${notes.length ? ` — ${[...new Set(notes)].join('; ')}` : ''}`
    })
    .join('\n')
  return `### ${report.title}\n\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n\n${facts}\n`
}

/** One target read off a run: a ratio of two figures of the same interleaved run. */
export interface TargetRow {
  scenario: string
  what: string
  numerator: number
  denominator: number
  ratio: number
  /** Either side's runs were all void (generator lagged, or clients failed): not to be quoted. */
  void: boolean
  goal: string
}

type Measured = { metrics: Record<string, number>; void: boolean }

/** One metric of `mine` over `against`'s as a target row, without its wording; undefined if either lacks it. */
function ratioRow(
  scenario: string,
  mine: Measured,
  against: Measured,
  key: string,
): Omit<TargetRow, 'what' | 'goal'> | undefined {
  const r = ratio(mine, against, key)
  if (r === undefined) return undefined
  const numerator = mine.metrics[key] as number
  const denominator = against.metrics[key] as number
  return { scenario, numerator, denominator, ratio: numerator / denominator, void: r === 'VOID' }
}

/**
 * The ratios the PostgreSQL and several-instances targets are read from, for every fan-out
 * scenario of this run: each Tandem deployment's CPU per delivery (PostgreSQL and Redis
 * included) and p99 against y-websocket-server's, and cross- over same-instance p99; and, when
 * `tandem-noindex` ran beside `tandem`, the same two figures with indexing over without.
 */
export function targetRows(reports: ScenarioReport[]): TargetRow[] {
  const out: TargetRow[] = []
  for (const report of reports.filter((r) => r.scenario.startsWith('fanout-'))) {
    const m = new Map(
      present(report.runs).map((s) => [s, medians(report.runs.filter((r) => r.server === s))]),
    )
    const ref = m.get(BenchServer.yws)
    const editors = report.scenario.slice('fanout-'.length)
    for (const t of [BenchServer.tandem, BenchServer.tandemPg, BenchServer.tandemCluster]) {
      const mine = m.get(t)
      if (!mine) continue
      if (ref) {
        const big = Number(editors) >= 200
        for (const [key, what, goal] of [
          [
            'cpuUsPerDelivery',
            'CPU µs / delivery',
            big ? '≤ 1' : 'lower is better (SQLite: 1.6–1.8 before)',
          ],
          ['latP99', 'latency p99 (ms)', big ? '≤ 1' : 'lower is better'],
        ] as const) {
          const row = ratioRow(report.scenario, mine, ref, key)
          if (row)
            out.push({
              ...row,
              what: `fan-out ${editors}: ${short(t)} / y-ws-server, ${what}`,
              goal,
            })
        }
      }
      const noIndex = m.get(BenchServer.tandemNoIndex)
      if (t === BenchServer.tandem && noIndex) {
        for (const [key, what] of [
          ['cpuUsPerDelivery', 'CPU µs / delivery'],
          ['latP99', 'latency p99 (ms)'],
        ] as const) {
          const row = ratioRow(report.scenario, mine, noIndex, key)
          if (!row) continue
          out.push({
            ...row,
            what: `fan-out ${editors}: Tandem / Tandem without search indexing, ${what}`,
            goal: 'indexing must not slow fan-out (≈ 1)',
          })
        }
      }
      const cross = mine.metrics.latCrossP99
      const same = mine.metrics.latSameP99
      if (cross !== undefined && same !== undefined && Number.isFinite(cross) && same > 0) {
        out.push({
          scenario: report.scenario,
          what: `fan-out ${editors}: ${short(t)}, cross-instance p99 / same-instance p99 (ms)`,
          numerator: cross,
          denominator: same,
          ratio: cross / same,
          void: mine.void,
          goal: '≤ 2',
        })
      }
    }
  }
  return out
}

/** The target rows as a Markdown table (empty string when there are none). */
export function targetsTable(rows: TargetRow[]): string {
  if (!rows.length) return ''
  const lines = [
    '### Targets (ratios within this run; medians over repeats)',
    '',
    '| target | value | against | ratio | goal |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.what} | ${fmt(r.numerator)} | ${fmt(r.denominator)} | ${r.ratio.toFixed(2)}${r.void ? ' (VOID)' : ''} | ${r.goal} |`,
    ),
  ]
  return `${lines.join('\n')}\n`
}

/** One JSON line: parameters, per-server medians and every run. */
export function jsonLine(report: ScenarioReport): string {
  const servers = [...new Set(report.runs.map((r) => r.server))]
  const perServer = Object.fromEntries(
    servers.map((s) => [s, medians(report.runs.filter((r) => r.server === s))]),
  )
  const ratios: Record<string, Record<string, Record<string, number | 'VOID'>>> = {}
  let overNoIndex: Record<string, number | 'VOID'> | undefined
  for (const [t, s] of ratioPairs(servers)) {
    const row: Record<string, number | 'VOID'> = {}
    for (const d of report.defs.filter((d) => d.better)) {
      const r = ratio(perServer[t], perServer[s], d.key)
      if (r !== undefined) row[d.key] = r === 'VOID' ? r : Number(r.toFixed(4))
    }
    if (s === BenchServer.tandemNoIndex) overNoIndex = row
    else ratios[t] = { ...ratios[t], [s]: row }
  }
  return JSON.stringify({
    scenario: report.scenario,
    params: report.params,
    medians: perServer,
    // Tandem on SQLite over each peer, as before; every Tandem deployment in ratiosOverPeer.
    ratiosTandemOverPeer: ratios[BenchServer.tandem] ?? {},
    ratiosOverPeer: ratios,
    // Tandem over Tandem without search indexing, when both ran.
    ...(overNoIndex ? { ratiosIndexOverNoIndex: overNoIndex } : {}),
    runs: report.runs,
  })
}

/** Appends text to a file in the results directory (created on first use). */
export function writeResult(dir: string, file: string, text: string): void {
  mkdirSync(dir, { recursive: true })
  appendFileSync(join(dir, file), text.endsWith('\n') ? text : `${text}\n`)
}
