import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { freePort } from '@tandem/testkit'

/** The binary tests run: `$REDIS_SERVER`, else `redis-server` from the PATH. */
const BINARY = process.env.REDIS_SERVER ?? 'redis-server'

/** How long a redis-server may take to say it accepts connections, in milliseconds. */
const START_TIMEOUT_MS = 10_000

/** Every redis-server this process started and that has not exited yet. */
const live = new Set<ChildProcess>()

function killLive(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL')
    } catch {
      // already gone
    }
  }
}

let guarded = false

/**
 * A crashed or aborted test run must not leave servers behind: they die with this process, when it
 * exits and when it is told to stop (vitest ends its workers with SIGTERM, which skips 'exit').
 */
function guardExit(): void {
  if (guarded) return
  guarded = true
  process.once('exit', killLive)
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killLive()
      // Our listener is gone now: the signal again does what it would have done without us.
      process.kill(process.pid, signal)
    })
  }
}

let skipReason: string | null | undefined

/**
 * Why the Redis tests cannot run here (no runnable redis-server), printed once; undefined when they
 * can. Use it as `describe.skipIf(redisSkipReason())`.
 */
export function redisSkipReason(): string | undefined {
  if (skipReason === undefined) {
    const probe = spawnSync(BINARY, ['--version'], { encoding: 'utf8', timeout: 5_000 })
    skipReason =
      probe.error || probe.status !== 0
        ? `skipping the Redis tests: ${BINARY} is not runnable (${probe.error?.message ?? `exit ${probe.status}`})`
        : null
    if (skipReason) console.warn(skipReason)
  }
  return skipReason ?? undefined
}

/** How a redis-server run ended: its exit code, or the signal that ended it. */
type Exit = number | NodeJS.Signals

/** One running redis-server process and its end. */
interface Run {
  child: ChildProcess
  exited: Promise<Exit>
}

/**
 * A private redis-server for one test file: no persistence, bound to 127.0.0.1 on a free port,
 * signalled by its pid only. It can be paused (SIGSTOP), resumed, killed and started again on the
 * same port, the way a real outage looks to clients. Call {@link dispose} in `afterAll`.
 */
export class RedisServer {
  #run: Run | undefined
  #output: string[] = []

  private constructor(
    /** The TCP port, the same across restarts. */
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** Starts a server on a free port (trying another port if that one was taken meanwhile). */
  static async start(): Promise<RedisServer> {
    let lastError: unknown
    for (let attempt = 0; attempt < 5; attempt++) {
      const server = new RedisServer(
        await freePort(),
        mkdtempSync(path.join(os.tmpdir(), 'tandem-redis-')),
      )
      try {
        await server.restart()
        return server
      } catch (error) {
        lastError = error
        await server.dispose()
        if (!String(error).includes('Address already in use')) break
      }
    }
    throw lastError
  }

  /** `redis://127.0.0.1:<port>`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  /** The current process id; undefined when it is not running. */
  get pid(): number | undefined {
    return this.running ? this.#run?.child.pid : undefined
  }

  /** True from start until the process exits (a paused server is still running). */
  get running(): boolean {
    const child = this.#run?.child
    return child !== undefined && child.exitCode === null && child.signalCode === null
  }

  /** Its last lines of output, for failure messages. */
  output(lines = 30): string {
    return this.#output.slice(-lines).join('\n')
  }

  /** Freezes it (SIGSTOP): connections stay open and nothing is answered. */
  pause(): void {
    this.#signal('SIGSTOP')
  }

  /** Lets a paused server run again (SIGCONT). */
  resume(): void {
    this.#signal('SIGCONT')
  }

  /** Kills it at once (SIGKILL), as a crash would, and waits until it has exited. */
  async kill(): Promise<void> {
    const run = this.#run
    if (!run) return
    this.#signal('SIGKILL')
    await run.exited
  }

  /** Shuts it down cleanly (SIGTERM, after SIGCONT in case it is paused), SIGKILL after 5 s. */
  async stop(): Promise<void> {
    const run = this.#run
    if (!run) return
    this.#signal('SIGCONT')
    this.#signal('SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), 5_000)
    })
    if ((await Promise.race([run.exited, late])) === 'late') this.#signal('SIGKILL')
    clearTimeout(timer)
    await run.exited
  }

  /**
   * Starts it (again) on the same port once the previous process has exited, killing it first if it
   * still runs; resolves once it accepts connections.
   */
  async restart(): Promise<void> {
    await this.kill()
    this.#output = []
    const child = spawn(
      BINARY,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
        '--daemonize',
        'no',
        '--logfile',
        '',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    guardExit()
    live.add(child)
    const exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child)
        resolve(code ?? signal ?? -1)
      })
    })
    const run: Run = { child, exited }
    this.#run = run
    await new Promise<void>((resolve, reject) => {
      const fail = (message: string): void => {
        clearTimeout(timer)
        reject(new Error(`redis-server on port ${this.port} ${message}\n${this.output()}`))
      }
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        fail(`was not ready within ${START_TIMEOUT_MS} ms`)
      }, START_TIMEOUT_MS)
      child.once('error', (error) => fail(`could not be started: ${error.message}`))
      void exited.then((status) => fail(`exited (${status}) before it was ready`))
      for (const stream of [child.stdout, child.stderr]) {
        if (!stream) continue
        stream.on('error', () => {})
        readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
          this.#output.push(line)
          if (this.#output.length > 200) this.#output.shift()
          if (line.includes('Ready to accept connections')) {
            clearTimeout(timer)
            resolve()
          }
        })
      }
    })
  }

  /** Kills it if it runs and removes its directory; safe to call more than once. */
  async dispose(): Promise<void> {
    await this.kill()
    this.#run = undefined
    rmSync(this.dir, { recursive: true, force: true })
  }

  #signal(signal: NodeJS.Signals): void {
    const pid = this.pid
    if (pid === undefined) return
    try {
      process.kill(pid, signal)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
    }
  }
}
