/**
 * Servers under test as child processes: started by the bench, watched through /proc by pid, and
 * stopped by that pid only (SIGTERM, then SIGKILL after a deadline).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { get as httpGet } from 'node:http'
import { createServer } from 'node:net'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ServerKind, type Target } from './wire.js'

const here = dirname(fileURLToPath(import.meta.url))
/** Repository root (bench/dist/ → ../..). */
export const repoRoot = resolve(here, '..', '..')
let tandemMain = join(repoRoot, 'server', 'dist', 'main.js')

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
 * Environment for Tandem: its normal limits, plus whatever `tandemRaisedLimits` lists. The port is
 * chosen by the bench: at LOG_LEVEL=warn Tandem does not print its (info-level) listening line.
 */
function tandemEnv(dataDir: string, port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
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

/** CPU time of a process so far, in seconds (user + system, from /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return ticks / clockTicks
}
// Linux's USER_HZ is 100 on every mainstream architecture; /proc reports in those ticks.
const clockTicks = 100

/** Resident set size now and at its peak, in bytes (VmRSS, VmHWM). */
export function memory(pid: number): { rssBytes: number; peakRssBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)
    return m ? Number(m[1]) * 1024 : 0
  }
  return { rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') }
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
  private exited = false
  private readonly exitPromise: Promise<void>
  private peakPolled = 0
  private poller: NodeJS.Timeout | undefined

  constructor(
    readonly kind: ServerKind,
    private readonly child: ChildProcess,
    readonly pid: number,
    port: number,
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
    private readonly stderrTail: string[],
  ) {
    this.target = { kind, port }
    this.exitPromise = new Promise((res) => {
      if (child.exitCode !== null || child.signalCode !== null) res()
      else child.once('exit', () => res())
    })
    void this.exitPromise.then(() => {
      this.exited = true
    })
  }

  get alive(): boolean {
    return !this.exited
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
    let main = 0
    let other = 0
    for (const tid of readdirSync(`/proc/${this.pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${this.pid}/task/${tid}/stat`, 'utf8')
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        const s = (Number(f[11]) + Number(f[12])) / clockTicks
        if (Number(tid) === this.pid) main += s
        else other += s
      } catch {
        // thread ended
      }
    }
    return { main, other }
  }

  /**
   * Resets the kernel's peak-RSS mark (VmHWM) so the next `memory().peakRssBytes` covers only what
   * follows; returns false where the kernel refuses, and callers fall back to polling.
   */
  resetPeakRss(): boolean {
    try {
      writeFileSync(`/proc/${this.pid}/clear_refs`, '5')
      return true
    } catch {
      return false
    }
  }

  /** Starts polling VmRSS every `intervalMs` (a fallback when VmHWM cannot be reset). */
  startRssPolling(intervalMs = 100): void {
    this.stopRssPolling()
    this.peakPolled = 0
    const poll = (): void => {
      if (this.exited) return
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

  /** Last lines the server wrote to stderr (for error reports). */
  stderr(): string {
    return this.stderrTail.join('\n')
  }

  /** Stops this process by its pid: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopRssPolling()
    if (!this.exited) {
      process.kill(this.pid, 'SIGTERM')
      const timer = new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), graceMs))
      if ((await Promise.race([this.exitPromise, timer])) === 'timeout' && !this.exited) {
        process.kill(this.pid, 'SIGKILL')
        await this.exitPromise
      }
    }
    this.child.stdout?.destroy()
    this.child.stderr?.destroy()
  }

  /** Removes the data directory if the bench created it. */
  cleanup(): void {
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true })
  }
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((res, rej) => {
    srv.once('error', rej)
    srv.listen(0, '127.0.0.1', () => res())
  })
  const address = srv.address()
  const port = typeof address === 'object' && address ? address.port : 0
  await new Promise<void>((res) => srv.close(() => res()))
  return port
}

/** Resolves once GET /readyz answers 200, polling every 50 ms until the deadline. */
async function waitReady(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error('exited before ready')
    const ok = await new Promise<boolean>((res) => {
      const req = httpGet({ host: '127.0.0.1', port, path: '/readyz', timeout: 1000 }, (r) => {
        r.resume()
        res(r.statusCode === 200)
      })
      req.on('error', () => res(false))
      req.on('timeout', () => {
        req.destroy()
        res(false)
      })
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`not ready within ${timeoutMs} ms`)
}

function commandFor(
  kind: ServerKind,
  dataDir: string,
  port: number,
): { args: string[]; env: NodeJS.ProcessEnv } {
  const peers = join(here, 'peers')
  switch (kind) {
    case ServerKind.tandem:
      return { args: [tandemMain], env: tandemEnv(dataDir, port) }
    case ServerKind.yws:
      return { args: [join(peers, 'yWebsocketServer.js')], env: { ...process.env } }
    case ServerKind.hocuspocus:
      return { args: [join(peers, 'hocuspocusServer.js')], env: { ...process.env } }
    case ServerKind.hocuspocusSqlite:
      return {
        args: [join(peers, 'hocuspocusServer.js'), '--sqlite', join(dataDir, 'hocuspocus.sqlite')],
        env: { ...process.env },
      }
  }
}

/**
 * Starts a server and resolves once it has logged a JSON line with `"msg"` containing
 * "listening" and a numeric `"port"` (Tandem's pino line and the peers' scripts both do).
 */
export async function startServer(
  kind: ServerKind,
  options: StartOptions = {},
): Promise<RunningServer> {
  const ownsDataDir = options.dataDir === undefined
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), `tandem-bench-${kind}-`))
  const chosenPort = kind === ServerKind.tandem ? await freePort() : 0
  const { args, env } = commandFor(kind, dataDir, chosenPort)
  const nodeArgs = options.cpuProfDir
    ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`, ...args]
    : args
  const child = spawn(process.execPath, nodeArgs, {
    env,
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const pid = child.pid
  if (pid === undefined) throw new Error(`could not start ${kind}`)
  const stderrTail: string[] = []
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => {
    stderrTail.push(...chunk.split('\n').filter(Boolean))
    if (stderrTail.length > 40) stderrTail.splice(0, stderrTail.length - 40)
  })
  child.stdout.setEncoding('utf8')
  const exited = new Promise<never>((_res, rej) => {
    child.once('exit', (code, signal) => {
      rej(
        new Error(`${kind} exited before listening (${code ?? signal}): ${stderrTail.join('\n')}`),
      )
    })
  })
  exited.catch(() => {})
  if (chosenPort) {
    child.stdout.on('data', () => {})
    await Promise.race([waitReady(chosenPort, child, 20_000), exited])
    return new RunningServer(kind, child, pid, chosenPort, dataDir, ownsDataDir, stderrTail)
  }
  const port = await new Promise<number>((res, rej) => {
    let buffered = ''
    const deadline = setTimeout(() => rej(new Error(`${kind} did not listen within 20 s`)), 20_000)
    const onData = (chunk: string): void => {
      buffered += chunk
      let nl: number
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        // Anything else a peer prints before listening is kept for error reports.
        if (!line.includes('listening')) {
          if (line.trim()) stderrTail.push(line)
          continue
        }
        try {
          const parsed = JSON.parse(line) as { msg?: unknown; port?: unknown }
          if (typeof parsed.port === 'number') {
            clearTimeout(deadline)
            child.stdout.off('data', onData)
            // Keep draining stdout so a chatty server never blocks on a full pipe.
            child.stdout.on('data', () => {})
            res(parsed.port)
            return
          }
        } catch {
          // not JSON; keep reading
        }
      }
    }
    child.stdout.on('data', onData)
    exited.catch((err: unknown) => {
      clearTimeout(deadline)
      rej(err)
    })
  })
  return new RunningServer(kind, child, pid, port, dataDir, ownsDataDir, stderrTail)
}
