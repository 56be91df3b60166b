import WebSocket from 'ws'
import { peekSyncType } from '@tandem/shared'

/** Called for each outgoing sync message: the socket it went out on and its sync sub-type. */
export type SyncSentListener = (socket: WebSocket, syncType: number) => void

/**
 * A `ws` WebSocket class for y-websocket's `WebSocketPolyfill` that reports each new socket and
 * every sync message it really sends (on an open socket), as the web app's
 * `createCountingWebSocket` does with the browser's WebSocket (which Node 20 lacks).
 */
export function countingSocketClass(
  onCreated: (socket: WebSocket) => void,
  onSyncSent: SyncSentListener,
): typeof globalThis.WebSocket {
  class CountingSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols)
      onCreated(this)
    }

    // ws's send takes options and a callback too; y-websocket passes the data only.
    override send(data: unknown, ...rest: unknown[]): void {
      if (this.readyState === WebSocket.OPEN && data instanceof Uint8Array) {
        const syncType = peekSyncType(data)
        if (syncType !== undefined) onSyncSent(this, syncType)
      }
      ;(super.send as (...args: unknown[]) => void)(data, ...rest)
    }
  }
  return CountingSocket as unknown as typeof globalThis.WebSocket
}
