import { peekSyncType } from '@tandem/shared'

/** Called for each outgoing sync message: the socket it went out on and its sync sub-type. */
export type SyncSentListener = (socket: WebSocket, syncType: number) => void

/** Called once for each new socket, before it connects. */
export type SocketCreatedListener = (socket: WebSocket) => void

/**
 * Returns a WebSocket class for y-websocket's `WebSocketPolyfill` option that reports every
 * outgoing binary frame whose message type is sync (0), so the saved-ack count can be matched
 * exactly against what this client sent on that socket.
 */
export function createCountingWebSocket(
  onCreated: SocketCreatedListener,
  onSyncSent: SyncSentListener,
): typeof WebSocket {
  return class CountingWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      onCreated(this)
    }

    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      // Count only what the socket will really carry: send() on a closing socket is dropped.
      if (this.readyState === WebSocket.OPEN) {
        const syncType = readSyncType(data)
        if (syncType !== undefined) onSyncSent(this, syncType)
      }
      super.send(data)
    }
  }
}

/** The sync sub-type of an outgoing frame (-1 without one), or undefined if it is not sync. */
function readSyncType(data: string | ArrayBufferLike | Blob | ArrayBufferView): number | undefined {
  if (ArrayBuffer.isView(data)) {
    return peekSyncType(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
  }
  if (data instanceof ArrayBuffer) return peekSyncType(new Uint8Array(data))
  return undefined
}
