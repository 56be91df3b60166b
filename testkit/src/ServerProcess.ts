import { spawn, type ChildProcess } from 'node:child_process'
import readline from 'node:readline'
import { setTimeout as delay } from 'node:timers/promises'
import { answersOk } from './net.js'
import { repoRoot } from './paths.js'

/** How a process ended: its exit code, or the name of the signal that ended it. */
export type ExitStatus = number | NodeJS.Signals

/** Receives each line a server prints, and on which stream. */
export type LineListener = (line: string, stream: 'stdout' | 'stderr') => void

/** How to run one server script and how to tell that it is ready. */
export interface ServerProcessOptions {
  /** Short name for messages, e.g. "tandem". */
  name: string
  /** The script run by this Node binary (`process.execPath`). */
  script: string
  /** Arguments after the script. */
  args?: readonly string[]
  /** Options for Node itself, before the script (e.g. `--cpu-prof`). */
  nodeArgs?: readonly string[]
  /** The child's whole environment (callers spread `process.env` themselves when they want it). */
  env: NodeJS.ProcessEnv
  /** Working directory; the repository root by default. */
  cwd?: string
  /** Address it listens on, for its URLs: 127.0.0.1 by default. */
  host?: string
  /** The port it was told to use; 0 when it picks one and announces it in its listening line. */
  port: number
  /**
   * Reads the port off the line that says the server is listening; undefined for any other line.
   * Default: a JSON line with a numeric `port` and a `msg` containing "listening".
   */
  listeningPort?: (line: string) => number | undefined
  /**
   * With a known port, the server is also ready once GET this path answers 200 (polled every
   * 50 ms): for servers that print no listening line at their log level.
   */
  readyPath?: string
  /** Path of the WebSocket endpoint, appended to {@link ServerProcess.ws} (e.g. "/sync"). */
  wsPath?: string
  /** How long it may take to become ready, in milliseconds (default 15 s); then it is killed. */
  startTimeoutMs?: number
}

/** A server that exited, failed to spawn or stayed unready; `output` is its last output. */
export class ServerStartError extends Error {
  constructor(
    message: string,
    readonly output: string,
    /** Its output mentions EADDRINUSE: the port was taken, so another attempt may succeed. */
    readonly addressInUse: boolean,
  ) {
    super(output ? `${message}\n${output}` : message)
    this.name = 'ServerStartError'
  }
}

/** Lines printed on stdout and stderr: a bounded tail for messages, and listeners. */
class Output {
  readonly #lines: string[] = []
  readonly #listeners = new Set<LineListener>()

  constructor(child: ChildProcess) {
    for (const stream of ['stdout', 'stderr'] as const) {
      const input = child[stream]
      if (!input) continue
      input.on('error', () => {}) // a broken pipe must not take the test runner down
      // Reading every line also keeps the pipe drained, so a chatty server never blocks on it.
      readline
        .createInterface({ input, crlfDelay: Infinity })
        .on('line', (line) => this.#push(line, stream))
    }
  }

  #push(line: string, stream: 'stdout' | 'stderr'): void {
    this.#lines.push(line)
    if (this.#lines.length > 200) this.#lines.shift()
    for (const listener of this.#listeners) listener(line, stream)
  }

  listen(listener: LineListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  tail(lines: number): string {
    return this.#lines.slice(-lines).join('\n')
  }
}

/** The default listening line: JSON with a numeric `port` and a `msg` containing "listening". */
function jsonListeningPort(line: string): number | undefined {
  if (!line.includes('listening')) return undefined
  try {
    const record = JSON.parse(line) as { msg?: unknown; port?: unknown }
    return typeof record.port === 'number' && String(record.msg).includes('listening')
      ? record.port
      : undefined
  } catch {
    return undefined
  }
}

/**
 * A server script run by Node in a child process, as an operator would run it. It is signalled
 * by its pid only (never by name), and its end is the child's 'exit' event.
 */
export class ServerProcess {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly http: string
  /** The WebSocket endpoint, e.g. `ws://127.0.0.1:41234/sync`. */
  readonly ws: string
  /** Resolves with the exit code (or signal name) once the process is gone; never rejects. */
  readonly exited: Promise<ExitStatus>
  readonly #output: Output

  private constructor(
    readonly child: ChildProcess,
    readonly pid: number,
    readonly host: string,
    readonly port: number,
    exited: Promise<ExitStatus>,
    output: Output,
    wsPath: string,
  ) {
    this.exited = exited
    this.#output = output
    this.http = `http://${host}:${port}`
    this.ws = `ws://${host}:${port}${wsPath}`
  }

  /** Spawns the script and resolves once it is ready; rejects with a {@link ServerStartError}. */
  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const host = options.host ?? '127.0.0.1'
    const child = spawn(
      process.execPath,
      [...(options.nodeArgs ?? []), options.script, ...(options.args ?? [])],
      { env: options.env, cwd: options.cwd ?? repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const output = new Output(child)
    const exited = new Promise<ExitStatus>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
    )
    // 'close' follows 'exit' once stdout and stderr are drained: the whole story of a failure.
    const drained = new Promise<void>((resolve) => child.once('close', () => resolve()))
    try {
      const port = await ready(child, options, host, output, exited, drained)
      return new ServerProcess(child, child.pid!, host, port, exited, output, options.wsPath ?? '')
    } catch (error) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        // By its pid, like every stop; it may exit on its own in between (ESRCH).
        try {
          process.kill(child.pid, 'SIGKILL')
        } catch {
          // already gone
        }
        await exited
      }
      throw error
    }
  }

  /** True until the process has exited. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** The last `lines` lines it printed (stdout and stderr interleaved), for failure messages. */
  output(lines = 40): string {
    return this.#output.tail(lines)
  }

  /** Calls `listener` with every line printed from now on; returns the unsubscriber. */
  onLine(listener: LineListener): () => void {
    return this.#output.listen(listener)
  }

  /** Sends `signal` to this pid; false (and nothing sent) when the process has already exited. */
  signal(signal: NodeJS.Signals): boolean {
    if (!this.alive) return false
    try {
      process.kill(this.pid, signal)
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
      throw error
    }
  }

  /** Sends `signal` (SIGKILL by default) and resolves with the exit status once it has exited. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitStatus> {
    this.signal(signal)
    return this.exited
  }

  /**
   * Stops it as an operator would: SIGTERM, then SIGKILL if it has not exited after `graceMs`
   * milliseconds. Resolves with the exit status and whether the SIGKILL was needed.
   */
  async stop(graceMs = 10_000): Promise<{ status: ExitStatus; killed: boolean }> {
    if (!this.signal('SIGTERM')) return { status: await this.exited, killed: false }
    let timer: NodeJS.Timeout | undefined
    const first = await Promise.race([
      this.exited,
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs)
      }),
    ])
    clearTimeout(timer)
    if (first !== 'timeout') return { status: first, killed: false }
    this.signal('SIGKILL')
    return { status: await this.exited, killed: true }
  }
}

/** Resolves with the port once the server is ready; rejects if it exits, fails or times out. */
function ready(
  child: ChildProcess,
  options: ServerProcessOptions,
  host: string,
  output: Output,
  exited: Promise<ExitStatus>,
  drained: Promise<void>,
): Promise<number> {
  const { name } = options
  const timeoutMs = options.startTimeoutMs ?? 15_000
  const listeningPort = options.listeningPort ?? jsonListeningPort
  return new Promise<number>((resolve, reject) => {
    let settled = false
    const finish = (result: number | ServerStartError): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      unsubscribe()
      if (typeof result === 'number') resolve(result)
      else reject(result)
    }
    const failure = (message: string): ServerStartError => {
      const log = output.tail(40)
      return new ServerStartError(message, log, /EADDRINUSE/.test(log))
    }
    const unsubscribe = output.listen((line) => {
      const port = listeningPort(line)
      if (port !== undefined) finish(port)
    })
    const timer = setTimeout(
      () => finish(failure(`${name} was not ready within ${timeoutMs} ms`)),
      timeoutMs,
    )
    // Kept for the child's whole life: an unheard 'error' event would end the test runner.
    child.on('error', (error) => finish(failure(`${name} could not be started: ${error.message}`)))
    void exited.then(async (status) => {
      if (settled) return
      // Quote everything it printed: wait (briefly) for the pipes to drain after the exit.
      await Promise.race([drained, delay(1_000, undefined, { ref: false })])
      finish(failure(`${name} exited (${status}) before it was ready`))
    })
    if (options.port > 0 && options.readyPath) {
      const url = `http://${host}:${options.port}${options.readyPath}`
      void (async () => {
        while (!settled) {
          if (await answersOk(url)) finish(options.port)
          else if (!settled) await delay(50)
        }
      })()
    }
  })
}
