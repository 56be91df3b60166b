import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { ServerStartError, type ServerProcess } from './ServerProcess.js'
import { startTandem, type TandemOptions } from './tandem.js'

/** How to run a {@link TandemServer}. */
export interface TandemServerOptions extends Omit<TandemOptions, 'port'> {
  /** Data directory to use (kept on dispose); a new temporary one (removed on dispose) otherwise. */
  dataDir?: string
  /** Name prefix of the temporary data directory. */
  dataDirPrefix?: string
}

/**
 * The built Tandem server on one data directory, which can be stopped (SIGTERM, as an operator
 * would) and started again on the same directory and the same port, so open clients reconnect
 * to "the same server after a restart".
 */
export class TandemServer {
  #process: ServerProcess | undefined
  #last: ServerProcess | undefined
  #port = 0

  private constructor(
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
    private readonly options: TandemServerOptions,
  ) {}

  /** Starts a server on a free port (chosen by the OS) with its data directory. */
  static async start(options: TandemServerOptions = {}): Promise<TandemServer> {
    const dataDir =
      options.dataDir ??
      (await fs.promises.mkdtemp(path.join(os.tmpdir(), options.dataDirPrefix ?? 'tandem-')))
    const server = new TandemServer(dataDir, options.dataDir === undefined, options)
    try {
      await server.#spawn(0)
    } catch (error) {
      await server.dispose()
      throw error
    }
    return server
  }

  /** The port it listens on (kept across restarts). */
  get port(): number {
    return this.#port
  }

  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`
  }

  /** The sync endpoint, e.g. `ws://127.0.0.1:41234/sync`. */
  get ws(): string {
    return `ws://127.0.0.1:${this.#port}/sync`
  }

  /** True while a started process has not been stopped. */
  get running(): boolean {
    return this.#process !== undefined
  }

  /** The running process, if any (for its pid, output or a crash by signal). */
  get process(): ServerProcess | undefined {
    return this.#process
  }

  /**
   * SIGTERM, then waits for the exit; throws (after a SIGKILL) if it takes longer than `graceMs`
   * milliseconds, and throws if the exit code is not 0.
   */
  async stop(graceMs = 10_000): Promise<void> {
    const proc = this.#process
    if (!proc) return
    this.#process = undefined
    const { status, killed } = await proc.stop(graceMs)
    if (killed) {
      throw new Error(`Tandem did not exit within ${graceMs} ms of SIGTERM\n${proc.output()}`)
    }
    if (status !== 0) throw new Error(`Tandem exited with ${status} on SIGTERM\n${proc.output()}`)
  }

  /**
   * Stops it and starts it again on the same data directory and port, trying again (for up to
   * `timeoutMs` milliseconds) while the port is still taken.
   */
  async restart(timeoutMs = 10_000): Promise<void> {
    await this.stop()
    const deadline = Date.now() + timeoutMs
    for (;;) {
      try {
        await this.#spawn(this.#port)
        return
      } catch (error) {
        if (!(error instanceof ServerStartError && error.addressInUse) || Date.now() > deadline) {
          throw error
        }
        await delay(100)
      }
    }
  }

  /** Stops it (ignoring how it exits) and removes the data directory if it made it. */
  async dispose(): Promise<void> {
    await this.stop().catch(() => undefined)
    if (this.ownsDataDir) await fs.promises.rm(this.dataDir, { recursive: true, force: true })
  }

  /** The last output of the current (or last) process, for failure messages. */
  log(): string {
    return this.#last?.output() ?? ''
  }

  async #spawn(port: number): Promise<void> {
    const proc = await startTandem({
      ...this.options,
      port,
      env: { ...this.options.env, DATA_DIR: this.dataDir },
    })
    this.#process = proc
    this.#last = proc
    this.#port = proc.port
  }
}
