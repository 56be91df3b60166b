/**
 * A private redis-server for one multi-instance run: bound to 127.0.0.1 on a free port, no
 * persistence, stopped by its pid only (SIGTERM, SIGKILL after 5 s). The machine's shared Redis
 * (6379) is never used or signalled. A bench that dies takes its redis-servers with it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import readline from 'node:readline'
import { freePort } from '@tandem/testkit'

/** Every redis-server this process started that has not exited yet. */
const live = new Set<ChildProcess>()
let guarded = false

function guardExit(): void {
  if (guarded) return
  guarded = true
  process.once('exit', () => {
    for (const child of live) {
      try {
        if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  })
}

/** Why redis-server cannot run here, or undefined when it can. */
export function redisUnavailable(binary: string): string | undefined {
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 5_000 })
  return probe.error || probe.status !== 0
    ? `${binary} is not runnable (${probe.error?.message ?? `exit ${probe.status}`})`
    : undefined
}

export class PrivateRedis {
  private readonly lines: string[] = []

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly dir: string,
    private readonly exited: Promise<void>,
  ) {}

  get pid(): number {
    return this.child.pid as number
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  output(): string {
    return this.lines.slice(-20).join('\n')
  }

  /** Starts one on a free port; resolves once it accepts connections. */
  static async start(binary: string): Promise<PrivateRedis> {
    let lastError: unknown
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort()
      const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-redis-'))
      const child = spawn(
        binary,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
          '--daemonize',
          'no',
          '--logfile',
          '',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      )
      guardExit()
      live.add(child)
      const exited = new Promise<void>((resolve) =>
        child.once('exit', () => {
          live.delete(child)
          resolve()
        }),
      )
      const redis = new PrivateRedis(child, port, dir, exited)
      try {
        await new Promise<void>((resolve, reject) => {
          const fail = (why: string): void => {
            clearTimeout(timer)
            reject(new Error(`redis-server on port ${port} ${why}\n${redis.output()}`))
          }
          const timer = setTimeout(() => fail('was not ready within 10 s'), 10_000)
          child.once('error', (e) => fail(`could not be started: ${e.message}`))
          void exited.then(() => fail('exited before it was ready'))
          for (const stream of [child.stdout, child.stderr]) {
            if (!stream) continue
            stream.on('error', () => {})
            readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (l) => {
              redis.lines.push(l)
              if (redis.lines.length > 100) redis.lines.shift()
              if (l.includes('Ready to accept connections')) {
                clearTimeout(timer)
                resolve()
              }
            })
          }
        })
        return redis
      } catch (error) {
        lastError = error
        await redis.stop()
        if (!String(error).includes('Address already in use')) break
      }
    }
    throw lastError
  }

  /** SIGTERM by pid, SIGKILL after 5 s; removes its directory. */
  async stop(): Promise<void> {
    if (this.alive && this.child.pid !== undefined) {
      this.signal('SIGTERM')
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), 5_000)))
      if ((await Promise.race([this.exited, late])) === 'late') this.signal('SIGKILL')
      clearTimeout(timer)
      await this.exited
    }
    rmSync(this.dir, { recursive: true, force: true })
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid, signal)
    } catch {
      // already gone
    }
  }
}
