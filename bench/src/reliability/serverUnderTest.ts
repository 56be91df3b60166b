/**
 * The Tandem server of a storm or soak: the built server (through the test kit), on one data
 * directory and one port across restarts, stopped by its pid only. Also its probes: RSS, open
 * file descriptors (/proc/<pid>/fd), /metrics, and a forced GC through the V8 inspector.
 */
import { get as httpGet } from 'node:http'
import { readdirSync } from 'node:fs'
import {
  ServerStartError,
  cpuSeconds,
  freePort,
  memory,
  startTandem,
  type ExitStatus,
  type ServerProcess,
} from '@tandem/testkit'
import WebSocket from 'ws'

/**
 * Every client of these runs connects from 127.0.0.1, so the per-address cap (default 50) is
 * raised, as bench/src/servers.ts does. Nothing else is: rate limits, MAX_ROOMS, queues and
 * the slow-consumer limit stay at their defaults, so any shedding seen is the server's own.
 */
export const reliabilityLimits: Record<string, string> = {
  MAX_CONNECTIONS_PER_IP: '1000000',
}

export interface ServerOptions {
  dataDir: string
  /** Variables on top of the defaults below (e.g. ROOM_IDLE_MS). */
  env?: Record<string, string>
  /** Starts Node with an inspector on 127.0.0.1 (a free port), for {@link gcHeapUsedBytes}. */
  inspector?: boolean
  startTimeoutMs?: number
  /** Another build's main.js (a candidate fix); server/dist/main.js otherwise. */
  main?: string
}

/** A restartable server with its probes. */
export class ServerUnderTest {
  private proc: ServerProcess | undefined
  private expectingExit = false
  /** Exits nobody asked for (the server fell over), with their status. */
  readonly unexpectedExits: ExitStatus[] = []
  port = 0
  inspectorPort = 0

  constructor(private readonly options: ServerOptions) {}

  get pid(): number {
    if (!this.proc) throw new Error('the server is not running')
    return this.proc.pid
  }

  get alive(): boolean {
    return this.proc?.alive ?? false
  }

  /** Last lines the server printed. */
  output(): string {
    return this.proc?.output() ?? ''
  }

  /** Starts it (again) on the same port and data directory, retrying while the port is taken. */
  async start(timeoutMs = 15_000): Promise<void> {
    if (!this.port) this.port = await freePort()
    if (this.options.inspector && !this.inspectorPort) this.inspectorPort = await freePort()
    const deadline = Date.now() + timeoutMs
    for (;;) {
      try {
        const proc = await startTandem({
          port: this.port,
          env: {
            DATA_DIR: this.options.dataDir,
            LOG_LEVEL: 'warn',
            ALLOW_CREATE_ON_CONNECT: '1',
            NODE_ENV: 'production',
            ...reliabilityLimits,
            ...this.options.env,
          },
          nodeArgs: this.options.inspector ? [`--inspect=127.0.0.1:${this.inspectorPort}`] : [],
          startTimeoutMs: this.options.startTimeoutMs ?? 20_000,
          ...(this.options.main ? { main: this.options.main } : {}),
        })
        this.proc = proc
        this.expectingExit = false
        void proc.exited.then((status) => {
          if (!this.expectingExit && this.proc === proc) this.unexpectedExits.push(status)
        })
        return
      } catch (error) {
        if (!(error instanceof ServerStartError && error.addressInUse) || Date.now() > deadline) {
          throw error
        }
        await new Promise((r) => setTimeout(r, 50))
      }
    }
  }

  /**
   * Ends it with `signal`: SIGTERM as an operator's stop (SIGKILL after `graceMs` if it hangs),
   * SIGKILL as a crash. Resolves with how it exited and whether SIGTERM needed the SIGKILL.
   */
  async kill(
    signal: 'SIGTERM' | 'SIGKILL',
    graceMs = 30_000,
  ): Promise<{ status: ExitStatus; killed: boolean }> {
    const proc = this.proc
    if (!proc) throw new Error('the server is not running')
    this.expectingExit = true
    if (signal === 'SIGKILL') return { status: await proc.kill('SIGKILL'), killed: true }
    return proc.stop(graceMs)
  }

  /** SIGTERM (then SIGKILL), ignoring how it ends. */
  async dispose(): Promise<void> {
    if (this.proc?.alive) await this.kill('SIGTERM', 10_000).catch(() => undefined)
  }

  rss(): { rssBytes: number; peakRssBytes: number } {
    return memory(this.pid)
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pid)
  }

  /** Open file descriptors of the server process. */
  openFds(): number {
    return readdirSync(`/proc/${this.pid}/fd`).length
  }

  /** /metrics, summed over label sets (name → value); empty if it does not answer. */
  metrics(): Promise<Map<string, number>> {
    return scrapeMetrics(this.port)
  }

  /**
   * Heap in use after a full GC, in bytes: through the inspector (started with `inspector`), V8
   * collects garbage twice (the second pass frees what finalizers of the first released) and
   * reports the heap. No server code is involved; nothing changes for production.
   */
  async gcHeapUsedBytes(): Promise<number> {
    if (!this.inspectorPort) throw new Error('started without the inspector')
    const list = await getJson<Array<{ webSocketDebuggerUrl?: string }>>(
      `http://127.0.0.1:${this.inspectorPort}/json/list`,
    )
    const url = list[0]?.webSocketDebuggerUrl
    if (!url) throw new Error('the inspector lists no target')
    const ws = new WebSocket(url, { perMessageDeflate: false })
    ws.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('close', () => reject(new Error('inspector socket closed')))
    })
    let id = 0
    const call = <T>(method: string): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        const mine = ++id
        const onMessage = (data: Buffer): void => {
          const msg = JSON.parse(data.toString()) as { id?: number; result?: T; error?: unknown }
          if (msg.id !== mine) return
          ws.off('message', onMessage)
          if (msg.error) reject(new Error(JSON.stringify(msg.error)))
          else resolve(msg.result as T)
        }
        ws.on('message', onMessage)
        ws.send(JSON.stringify({ id: mine, method }))
      })
    try {
      await call('HeapProfiler.collectGarbage')
      await call('HeapProfiler.collectGarbage')
      const usage = await call<{ usedSize: number }>('Runtime.getHeapUsage')
      return usage.usedSize
    } finally {
      ws.terminate()
    }
  }
}

function getJson<T>(url: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const req = httpGet(url, { agent: false, timeout: 5_000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as T)
        } catch (error) {
          reject(error as Error)
        }
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.on('timeout', () => req.destroy(new Error(`${url} timed out`)))
  })
}

/** Prometheus text from /metrics, summed over label sets; empty when it does not answer. */
export async function scrapeMetrics(port: number): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  const text = await new Promise<string>((resolve) => {
    const req = httpGet(
      { host: '127.0.0.1', port, path: '/metrics', timeout: 5_000, agent: false },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve(body))
        res.on('error', () => resolve(''))
      },
    )
    req.on('error', () => resolve(''))
    req.on('timeout', () => {
      req.destroy()
      resolve('')
    })
  })
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line)
    if (!m) continue
    out.set(m[1] as string, (out.get(m[1] as string) ?? 0) + Number(m[2]))
  }
  return out
}
