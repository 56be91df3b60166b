import { startTandem, type ServerProcess } from '@tandem/testkit'

/** The built server running as a child process, as an operator would run it (see the test kit). */
export type { ServerProcess } from '@tandem/testkit'

/**
 * Spawns `node server/dist/main.js` on an ephemeral port and waits for "Tandem listening"; `env`
 * goes on top of PORT=0, HOST=127.0.0.1, LOG_LEVEL=info. Rejects, quoting the server's output,
 * if it exits first (e.g. on a bad variable).
 */
export function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  return startTandem({ env })
}
