/**
 * Servers under test as child processes, launched through the test kit: watched through /proc by
 * pid, and stopped by that pid only (SIGTERM, then SIGKILL after a deadline).
 */
import { get as httpGet } from 'node:http'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  ServerProcess,
  cpuSeconds,
  freePort,
  memory,
  repoRoot as kitRepoRoot,
  resetPeakRss,
  serverMain,
  startTandem,
  threadCpuSeconds,
} from '@tandem/testkit'
import { ServerKind, type Target } from './wire.js'

const here = dirname(fileURLToPath(import.meta.url))
/** Repository root. */
export const repoRoot = kitRepoRoot
let tandemMain = serverMain

/** Runs another Tandem build (e.g. a candidate fix) instead of server/dist/main.js. */
export function useTandemMain(path: string): void {
  tandemMain = resolve(path)
}

/**
 * Limits the bench raises on Tandem, listed in every report. Every bench client connects from
 * 127.0.0.1, so the per-IP cap (default 50) would refuse most of them; saturation editors send
 * more than the default 100 messages/s per connection. Everything else stays at its default.
 */
export const tandemRaisedLimits: Record<string, string> = {
  MAX_CONNECTIONS_PER_IP: '100000',
  RATE_MESSAGES_PER_SEC: '100000',
  RATE_BURST_MESSAGES: '100000',
}

/**
 * Environment for Tandem: its normal limits, plus whatever `tandemRaisedLimits` lists. LOG_LEVEL
 * is warn so logging costs the server nothing under load. The port is chosen by the bench and
 * readiness is /readyz: `--tandem-main` may run a build from before 4e25d8a, which at warn does
 * not print its (info-level) listening line.
 */
function tandemEnv(dataDir: string): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ALLOW_CREATE_ON_CONNECT: '1',
    NODE_ENV: 'production',
    ...tandemRaisedLimits,
  }
}

/** Whether the Tandem server has been built. */
export function tandemAvailable(): boolean {
  try {
    readFileSync(tandemMain)
    return true
  } catch {
    return false
  }
}

/** Which servers keep documents on disk (and so can be measured cold). */
export function persists(kind: ServerKind): boolean {
  return kind === ServerKind.tandem || kind === ServerKind.hocuspocusSqlite
}

export interface StartOptions {
  /** Reuse this data directory (cold restarts); a fresh temp dir otherwise. */
  dataDir?: string
  /** Directory for `node --cpu-prof` output; no profiling when absent. */
  cpuProfDir?: string
}

/**
 * Quantile of a Prometheus histogram between two scrapes, as the upper bound of the bucket that
 * holds it (so "≤ this many seconds"); NaN when nothing was observed.
 */
export function histogramQuantile(
  before: Map<string, number>,
  after: Map<string, number>,
  name: string,
  q: number,
): number {
  const prefix = `${name}_bucket@`
  const buckets = [...after.keys()]
    .filter((k) => k.startsWith(prefix))
    .map((k) => {
      const le = k.slice(prefix.length)
      return {
        le: le === '+Inf' ? Infinity : Number(le),
        n: (after.get(k) ?? 0) - (before.get(k) ?? 0),
      }
    })
    .sort((a, b) => a.le - b.le)
  const total = buckets.at(-1)?.n ?? 0
  if (!total) return NaN
  return buckets.find((b) => b.n >= q * total)?.le ?? NaN
}

/** One running server process. */
export class RunningServer {
  readonly target: Target
  private peakPolled = 0
  private poller: NodeJS.Timeout | undefined

  constructor(
    readonly kind: ServerKind,
    private readonly server: ServerProcess,
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
  ) {
    this.target = { kind, port: server.port }
  }

  get pid(): number {
    return this.server.pid
  }

  get alive(): boolean {
    return this.server.alive
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pid)
  }

  memory(): { rssBytes: number; peakRssBytes: number } {
    return memory(this.pid)
  }

  /**
   * CPU seconds of the main (event-loop) thread and of all other threads together (V8 GC
   * helpers, libuv pool, worker threads such as Tandem's storage thread), from /proc/<pid>/task.
   */
  threadCpuSeconds(): { main: number; other: number } {
    return threadCpuSeconds(this.pid)
  }

  /**
   * Resets the kernel's peak-RSS mark (VmHWM) so the next `memory().peakRssBytes` covers only what
   * follows; returns false where the kernel refuses, and callers fall back to polling.
   */
  resetPeakRss(): boolean {
    return resetPeakRss(this.pid)
  }

  /** Starts polling VmRSS every `intervalMs` (a fallback when VmHWM cannot be reset). */
  startRssPolling(intervalMs = 100): void {
    this.stopRssPolling()
    this.peakPolled = 0
    const poll = (): void => {
      if (!this.alive) return
      try {
        this.peakPolled = Math.max(this.peakPolled, this.memory().rssBytes)
      } catch {
        // the process is gone; the exit handler will notice
      }
    }
    poll()
    this.poller = setInterval(poll, intervalMs)
    this.poller.unref()
  }

  /** Stops polling and returns the highest VmRSS seen, in bytes. */
  stopRssPolling(): number {
    if (this.poller) clearInterval(this.poller)
    this.poller = undefined
    return this.peakPolled
  }

  /**
   * Tandem's Prometheus metrics, summed over label sets (name → value); empty for the peers or
   * when the endpoint does not answer.
   */
  async scrapeMetrics(): Promise<Map<string, number>> {
    const out = new Map<string, number>()
    if (this.kind !== ServerKind.tandem) return out
    const text = await new Promise<string>((res) => {
      const req = httpGet(
        { host: '127.0.0.1', port: this.target.port, path: '/metrics', timeout: 5000 },
        (r) => {
          let body = ''
          r.setEncoding('utf8')
          r.on('data', (c: string) => (body += c))
          r.on('end', () => res(body))
          r.on('error', () => res(''))
        },
      )
      req.on('error', () => res(''))
      req.on('timeout', () => {
        req.destroy()
        res('')
      })
    })
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line)
      if (!m) continue
      // Histogram buckets are kept by bound: name{le="0.005"} → "name@0.005".
      const le = m[2] ? /le="([^"]+)"/.exec(m[2]) : null
      const name = le ? `${m[1]}@${le[1]}` : (m[1] as string)
      out.set(name, (out.get(name) ?? 0) + Number(m[3]))
    }
    return out
  }

  /** Last lines the server wrote (stdout and stderr), for error reports. */
  stderr(): string {
    return this.server.output()
  }

  /** Stops this process by its pid: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopRssPolling()
    await this.server.stop(graceMs)
  }

  /** Removes the data directory if the bench created it. */
  cleanup(): void {
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true })
  }
}

/** The script and arguments of a peer server (not Tandem). */
function peerCommand(kind: ServerKind, dataDir: string): { script: string; args: string[] } {
  const peers = join(here, 'peers')
  switch (kind) {
    case ServerKind.yws:
      return { script: join(peers, 'yWebsocketServer.js'), args: [] }
    case ServerKind.hocuspocus:
      return { script: join(peers, 'hocuspocusServer.js'), args: [] }
    case ServerKind.hocuspocusSqlite:
      return {
        script: join(peers, 'hocuspocusServer.js'),
        args: ['--sqlite', join(dataDir, 'hocuspocus.sqlite')],
      }
    case ServerKind.tandem:
      throw new Error('Tandem is started by startTandem')
  }
}

/**
 * Starts a server and resolves once it is ready: Tandem on a port the bench chose, once /readyz
 * answers 200; a peer once it has logged a JSON line with `"msg"` containing "listening" and a
 * numeric `"port"` (the peers' scripts do).
 */
export async function startServer(
  kind: ServerKind,
  options: StartOptions = {},
): Promise<RunningServer> {
  const ownsDataDir = options.dataDir === undefined
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), `tandem-bench-${kind}-`))
  const nodeArgs = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : []
  try {
    const server =
      kind === ServerKind.tandem
        ? await startTandem({
            main: tandemMain,
            port: await freePort(),
            env: tandemEnv(dataDir),
            nodeArgs,
            startTimeoutMs: 20_000,
          })
        : await ServerProcess.start({
            name: kind,
            ...peerCommand(kind, dataDir),
            nodeArgs,
            env: { ...process.env },
            port: 0,
            startTimeoutMs: 20_000,
          })
    return new RunningServer(kind, server, dataDir, ownsDataDir)
  } catch (error) {
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true })
    throw error
  }
}
