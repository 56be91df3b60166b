import { generateDocumentId, SyncParam } from '@tandem/shared'
import { WebsocketProvider } from 'y-websocket'
import type * as Y from 'yjs'
import { createCountingWebSocket } from './countingWebSocket'

/**
 * This tab's secret for the sync socket: the server binds the presence entries a connection
 * introduces to it, so a reconnect from the same tab can take them back. One per page load (not
 * sessionStorage, which a duplicated tab would share).
 */
const TAB_SECRET = generateDocumentId()

/** The WebSocket endpoint of this origin, e.g. `wss://host/sync`. */
function syncUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/sync`
}

/** What the save tracker needs to hear from the provider's sockets. */
export interface SocketEvents {
  /** A new socket was created (before it connects). */
  socketOpened: () => void
  /** A sync message of sub-type `syncType` went out on the provider's current socket. */
  syncSent: (syncType: number) => void
}

/**
 * The y-websocket provider of link `id` for `doc`, not connected yet: it asks the server for
 * "saved" acks, sends this tab's secret, and reports its sockets to `events`.
 */
export function createSyncProvider(
  id: string,
  doc: Y.Doc,
  events: SocketEvents,
): WebsocketProvider {
  const WebSocketClass = createCountingWebSocket(events.socketOpened, (socket, syncType) => {
    if (socket === provider.ws) events.syncSent(syncType)
  })
  const provider = new WebsocketProvider(syncUrl(), id, doc, {
    connect: false,
    params: { [SyncParam.ack]: '1', [SyncParam.tab]: TAB_SECRET },
    WebSocketPolyfill: WebSocketClass,
  })
  return provider
}
