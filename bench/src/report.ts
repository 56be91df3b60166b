/**
 * Results: per-scenario tables (medians over repeats, Tandem / peer ratios) on stdout, one JSON
 * line per scenario, and everything written to the results directory.
 */
import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { median } from './stats.js'
import { ServerKind } from './wire.js'

export interface MetricDef {
  key: string
  label: string
  /** Which direction is better; ratios are printed for every metric that has one. */
  better?: 'lower' | 'higher'
  digits?: number
}

/** One run of one scenario against one server. */
export interface RunResult {
  server: ServerKind
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

const short: Record<ServerKind, string> = {
  [ServerKind.tandem]: 'Tandem',
  [ServerKind.yws]: 'y-ws-server',
  [ServerKind.hocuspocus]: 'Hocuspocus',
  [ServerKind.hocuspocusSqlite]: 'Hocus+SQLite',
}

/** Renders a Markdown table: one row per metric, a column per server, then Tandem / peer ratios. */
export function table(report: ScenarioReport): string {
  const servers = Object.values(ServerKind).filter((s) => report.runs.some((r) => r.server === s))
  const m = new Map(servers.map((s) => [s, medians(report.runs.filter((r) => r.server === s))]))
  const tandem = m.get(ServerKind.tandem)
  const peers = servers.filter((s) => s !== ServerKind.tandem)
  const header = ['metric', ...servers.map((s) => short[s] + (m.get(s)?.void ? ' (VOID)' : ''))]
  if (tandem) header.push(...peers.map((p) => `T/${short[p]}`))
  const rows = [header, header.map(() => '---')]
  for (const def of report.defs) {
    const row = [def.label]
    for (const s of servers) row.push(fmt(m.get(s)?.metrics[def.key], def.digits))
    if (tandem) {
      for (const p of peers) {
        const peer = m.get(p)
        const t = tandem.metrics[def.key]
        const v = peer?.metrics[def.key]
        if (!def.better || t === undefined || v === undefined || !Number.isFinite(t) || !v) {
          row.push('')
        } else if (tandem.void || peer?.void) {
          row.push('VOID')
        } else {
          row.push((t / v).toFixed(2))
        }
      }
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
      return `- ${short[s]}: ${[...new Set(f)].join(' | ')}${notes.length ? ` — ${[...new Set(notes)].join('; ')}` : ''}`
    })
    .join('\n')
  return `### ${report.title}\n\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n\n${facts}\n`
}

/** One JSON line: parameters, per-server medians and every run. */
export function jsonLine(report: ScenarioReport): string {
  const servers = [...new Set(report.runs.map((r) => r.server))]
  const perServer = Object.fromEntries(
    servers.map((s) => [s, medians(report.runs.filter((r) => r.server === s))]),
  )
  const t = perServer[ServerKind.tandem]
  const ratios: Record<string, Record<string, number | 'VOID'>> = {}
  if (t) {
    for (const s of servers.filter((x) => x !== ServerKind.tandem)) {
      const p = perServer[s]
      if (!p) continue
      ratios[s] = {}
      for (const d of report.defs.filter((d) => d.better)) {
        const a = t.metrics[d.key]
        const b = p.metrics[d.key]
        if (a === undefined || b === undefined || !b) continue
        ratios[s][d.key] = t.void || p.void ? 'VOID' : Number((a / b).toFixed(4))
      }
    }
  }
  return JSON.stringify({
    scenario: report.scenario,
    params: report.params,
    medians: perServer,
    ratiosTandemOverPeer: ratios,
    runs: report.runs,
  })
}

/** Appends text to a file in the results directory (created on first use). */
export function writeResult(dir: string, file: string, text: string): void {
  mkdirSync(dir, { recursive: true })
  appendFileSync(join(dir, file), text.endsWith('\n') ? text : `${text}\n`)
}
