import type { ServerProcess } from '@tandem/testkit'
import { memory } from '@tandem/testkit'
import { spawnServer } from '../process.js'

/**
 * The built server under fuzz, as a child process (so its RSS is measured apart from the test
 * runner and a crash is an exit), and what it tells about its health: exits nobody asked for,
 * and error or fatal log lines.
 */
export class FuzzServer {
  /** One line per exit that no stop() or kill() asked for. */
  readonly crashes: string[] = []
  /** Log lines at level error (50) or fatal (60), and anything on stderr (first 600 characters). */
  readonly errors: string[] = []
  #process: ServerProcess | undefined
  #stopped: ServerProcess | undefined

  constructor(private readonly env: Record<string, string>) {}

  /** Starts the server (again, on the same data directory after a stop). */
  async start(): Promise<void> {
    const proc = await spawnServer(this.env)
    proc.onLine((line, stream) => {
      if (stream === 'stderr' || /"level":(5|6)\d/.test(line)) this.errors.push(line.slice(0, 600))
    })
    void proc.exited.then((status) => {
      if (this.#stopped !== proc) this.crashes.push(`server exited with ${status}`)
    })
    this.#process = proc
  }

  get process(): ServerProcess {
    if (!this.#process) throw new Error('the fuzz server was not started')
    return this.#process
  }

  get http(): string {
    return this.process.http
  }

  get ws(): string {
    return this.process.ws
  }

  /** SIGTERM (SIGKILL after 10 s) and the exit status. */
  async stop(): Promise<number | string> {
    this.#stopped = this.process
    return (await this.process.stop()).status
  }

  /** SIGKILL, if it still runs (cleanup). */
  async kill(): Promise<void> {
    if (!this.#process?.alive) return
    this.#stopped = this.#process
    await this.#process.kill('SIGKILL')
  }

  /** Resident and peak memory of the server process, in MiB (Linux /proc). */
  memory(): { rss: number; peak: number } {
    const { rssBytes, peakRssBytes } = memory(this.process.pid)
    return { rss: rssBytes / 2 ** 20, peak: peakRssBytes / 2 ** 20 }
  }

  /** The Prometheus text of /metrics. */
  async metrics(): Promise<string> {
    return (await fetch(`${this.http}/metrics`)).text()
  }

  /** Bytes the server stores for a document (its REST view). */
  async storedBytes(id: string): Promise<number> {
    const res = await fetch(`${this.http}/api/docs/${id}`)
    return ((await res.json()) as { sizeBytes: number }).sizeBytes
  }
}

/** The value of an unlabelled series in Prometheus text; 0 when it is absent. */
export const counter = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line ? Number(line.slice(series.length + 1)) : 0
}
