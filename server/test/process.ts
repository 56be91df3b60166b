import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js')

/** The built server running as a child process, as an operator would run it. */
export interface ServerProcess {
  child: ChildProcess
  port: number
  http: string
  ws: string
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>
}

/** Spawns `node server/dist/main.js` on an ephemeral port and waits for "Tandem listening". */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`pnpm build\` first`)
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  )
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const port = await new Promise<number>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! })
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 15_000)
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number }
        if (entry.msg === 'Tandem listening' && typeof entry.port === 'number') {
          clearTimeout(timer)
          resolve(entry.port)
        }
      } catch {
        // not a log line
      }
    })
    void exited.then((code) => reject(new Error(`server exited (${code}): ${stderr}`)))
  })
  return {
    child,
    port,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/sync`,
    exited,
  }
}
