import { ServerProcess } from './ServerProcess.js'
import { assertBuilt, serverMain } from './paths.js'

/** How to run the built Tandem server. */
export interface TandemOptions {
  /**
   * Variables on top of `process.env` and the defaults PORT=0, HOST=127.0.0.1, LOG_LEVEL=info;
   * they win over the defaults (PORT included, even an invalid one, for tests of bad config).
   */
  env?: Record<string, string | undefined>
  /**
   * Port to listen on. 0 (default): the OS picks one and it is read from the "Tandem listening"
   * line (printed at every LOG_LEVEL but silent). A given port is ready at that line or once
   * /readyz answers 200, whichever comes first, so LOG_LEVEL=silent and builds that print no
   * listening line at LOG_LEVEL=warn (before 4e25d8a) start too.
   */
  port?: number
  /** Another build's main.js (e.g. a before/after comparison); `server/dist/main.js` otherwise. */
  main?: string
  /** Options for Node itself, before main.js (e.g. `--cpu-prof`). */
  nodeArgs?: readonly string[]
  /** Working directory; the repository root by default. */
  cwd?: string
  /** How long it may take to become ready, in milliseconds (default 15 s). */
  startTimeoutMs?: number
}

/** Reads the port off Tandem's startup line (`{"msg":"Tandem listening","port":…}`). */
export function tandemListeningPort(line: string): number | undefined {
  if (!line.includes('"Tandem listening"')) return undefined
  try {
    const record = JSON.parse(line) as { msg?: unknown; port?: unknown }
    return record.msg === 'Tandem listening' && typeof record.port === 'number'
      ? record.port
      : undefined
  } catch {
    return undefined
  }
}

/**
 * Starts `node server/dist/main.js` (or `options.main`) and resolves once it is ready; its `ws`
 * is the sync endpoint (`ws://127.0.0.1:<port>/sync`). Rejects with a `ServerStartError` that
 * quotes its output when it exits first (e.g. on a configuration error) or is not ready in time.
 */
export function startTandem(options: TandemOptions = {}): Promise<ServerProcess> {
  const main = options.main ?? serverMain
  assertBuilt('The Tandem launcher', [main])
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(options.port ?? 0),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...options.env,
  }
  const port = /^\d+$/.test(env.PORT ?? '') ? Number(env.PORT) : 0
  const host = !env.HOST || env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST
  return ServerProcess.start({
    name: 'Tandem',
    script: main,
    nodeArgs: options.nodeArgs ?? [],
    env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    host,
    port,
    listeningPort: tandemListeningPort,
    readyPath: '/readyz',
    wsPath: '/sync',
    ...(options.startTimeoutMs ? { startTimeoutMs: options.startTimeoutMs } : {}),
  })
}
