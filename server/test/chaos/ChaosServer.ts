import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { cpuSeconds, ServerStartError, startTandem, type ServerProcess } from '@tandem/testkit'

/** The server's settings in a chaos run: rooms unload and compact often. */
export const CHAOS_SERVER_ENV: Record<string, string> = {
  LOG_LEVEL: 'info',
  // An empty room unloads (compacting into a snapshot) 100 ms after its last client left, so
  // offline periods and outages reload documents from a snapshot plus a log tail.
  ROOM_IDLE_MS: '100',
  // Compaction during editing too, not only at unload.
  COMPACT_AFTER_UPDATES: '20',
  SHUTDOWN_GRACE_MS: '1000',
}

/** Warnings that say nothing about the document (the web app is not built in every checkout). */
const BENIGN = [/web app not built/]

/**
 * The built server as a child process on its own data directory and one port, which the chaos
 * run stops (SIGTERM), kills (SIGKILL) and starts again, so open clients reconnect to the same
 * URL. Remembers what it printed at warn level and above, exits nobody asked for, and the CPU
 * time its processes used.
 */
export class ChaosServer {
  /** Log lines at warn (40), error (50) or fatal (60), and anything on stderr (first 600 chars). */
  readonly problems: string[] = []
  /** One line per exit that no stop() or kill() asked for. */
  readonly crashes: string[] = []
  #process: ServerProcess | undefined
  #port = 0
  #cpuSeconds = 0
  /** Processes this object asked to end (their exit is not a crash). */
  readonly #ended = new WeakSet<ServerProcess>()

  private constructor(
    readonly dataDir: string,
    private readonly env: Record<string, string>,
  ) {}

  /** A server on a new temporary data directory (removed by {@link dispose}); not started. */
  static async create(env: Record<string, string> = CHAOS_SERVER_ENV): Promise<ChaosServer> {
    return new ChaosServer(await fs.mkdtemp(path.join(os.tmpdir(), 'tandem-chaos-')), env)
  }

  get running(): boolean {
    return this.#process?.alive === true
  }

  /** The sync endpoint; the same across restarts once the first start picked the port. */
  get ws(): string {
    return `ws://127.0.0.1:${this.#port}/sync`
  }

  get http(): string {
    return `http://127.0.0.1:${this.#port}`
  }

  /** CPU seconds its processes used so far (the running one included). */
  get cpuSeconds(): number {
    return this.#cpuSeconds + this.#cpuOf(this.#process)
  }

  /**
   * Starts the server (on the port of the first start, after that), trying again while that port
   * is still taken, for up to `timeoutMs` milliseconds.
   */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.running) throw new Error('the chaos server is already running')
    const deadline = Date.now() + timeoutMs
    for (;;) {
      try {
        const proc = await startTandem({
          port: this.#port,
          env: { ...this.env, DATA_DIR: this.dataDir },
          startTimeoutMs: Math.max(1_000, deadline - Date.now()),
        })
        this.#watch(proc)
        this.#process = proc
        this.#port = proc.port
        return
      } catch (error) {
        if (!(error instanceof ServerStartError && error.addressInUse) || Date.now() > deadline) {
          throw error
        }
        // The port is still held (by the old socket, or another process took it meanwhile).
        await delay(50)
      }
    }
  }

  /** SIGTERM, as an operator restarts it; throws unless it exits 0 within `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const proc = this.#end()
    if (!proc) return
    const { status, killed } = await proc.stop(graceMs)
    if (killed || status !== 0) {
      throw new Error(
        `the server did not exit 0 on SIGTERM (status ${status}, killed ${killed})\n${proc.output()}`,
      )
    }
  }

  /** SIGKILL: a crash, nothing flushed or compacted. */
  async kill(): Promise<void> {
    await this.#end()?.kill('SIGKILL')
  }

  /** Kills it if it runs and removes the data directory. */
  async dispose(): Promise<void> {
    await this.kill()
    await fs.rm(this.dataDir, { recursive: true, force: true })
  }

  /** The last lines the current (or last) process printed, for failure messages. */
  output(lines = 40): string {
    return this.#process?.output(lines) ?? ''
  }

  /** Marks the running process as asked to end, counting its CPU time; undefined if none. */
  #end(): ServerProcess | undefined {
    const proc = this.#process
    if (!proc?.alive) return undefined
    this.#ended.add(proc)
    this.#cpuSeconds += this.#cpuOf(proc)
    this.#process = undefined
    return proc
  }

  #cpuOf(proc: ServerProcess | undefined): number {
    if (!proc?.alive) return 0
    try {
      return cpuSeconds(proc.pid)
    } catch {
      return 0 // it ended while being read
    }
  }

  #watch(proc: ServerProcess): void {
    const check = (line: string, stream: 'stdout' | 'stderr'): void => {
      if (BENIGN.some((pattern) => pattern.test(line))) return
      if (stream === 'stderr' || /"level":(4|5|6)\d/.test(line)) {
        this.problems.push(line.slice(0, 600))
      }
    }
    // What it printed while starting (its stream is not told apart there), then what follows.
    for (const line of proc.output(200).split('\n')) if (line) check(line, 'stdout')
    proc.onLine(check)
    void proc.exited.then((status) => {
      if (!this.#ended.has(proc)) this.crashes.push(`server exited by itself with ${status}`)
    })
  }
}
