/**
 * Starting the peer servers (not Tandem): each is a script in peers/ run as a child process,
 * ready once it has logged a JSON line with `"msg"` containing "listening" and a numeric `"port"`.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ServerProcess } from '@tandem/testkit'
import { ServerKind } from './wire.js'

const peers = join(dirname(fileURLToPath(import.meta.url)), 'peers')

/** The peers' kinds (every wire kind but Tandem's). */
export type PeerKind = Exclude<ServerKind, typeof ServerKind.tandem>

/** The script and arguments of a peer; Hocuspocus + SQLite keeps its file in `dataDir`. */
function peerCommand(kind: PeerKind, dataDir: string): { script: string; args: string[] } {
  switch (kind) {
    case ServerKind.yws:
      return { script: join(peers, 'yWebsocketServer.js'), args: [] }
    case ServerKind.hocuspocus:
      return { script: join(peers, 'hocuspocusServer.js'), args: [] }
    case ServerKind.hocuspocusSqlite:
      return {
        script: join(peers, 'hocuspocusServer.js'),
        args: ['--sqlite', join(dataDir, 'hocuspocus.sqlite')],
      }
  }
}

/** Starts a peer on a port it picks and resolves once it listens (20 s at most). */
export function startPeer(
  kind: PeerKind,
  dataDir: string,
  nodeArgs: string[],
): Promise<ServerProcess> {
  return ServerProcess.start({
    name: kind,
    ...peerCommand(kind, dataDir),
    nodeArgs,
    env: { ...process.env },
    port: 0,
    startTimeoutMs: 20_000,
  })
}
