import { MessageType } from '@tandem/shared'
import * as decoding from 'lib0/decoding'

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

function readSyncType(data: string | ArrayBufferLike | Blob | ArrayBufferView): number | undefined {
  let bytes: Uint8Array
  if (ArrayBuffer.isView(data)) {
    bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  } else if (data instanceof ArrayBuffer) {
    bytes = new Uint8Array(data)
  } else {
    return undefined
  }
  try {
    const decoder = decoding.createDecoder(bytes)
    if (decoding.readVarUint(decoder) !== MessageType.sync) return undefined
    return decoding.hasContent(decoder) ? decoding.readVarUint(decoder) : -1
  } catch {
    return undefined
  }
}
