import type { CloseCode } from '@tandem/shared'

/**
 * Messages sent together to several connections (a commit's relays, an awareness change). The
 * transport frames them once, on the first send, and reuses that for every other recipient.
 */
export class OutboundBatch {
  /** Payload bytes of all messages. */
  readonly bytes: number
  /** The transport's encoding of the batch, cached on first send; the engine never reads it. */
  framed: unknown

  constructor(readonly messages: readonly Uint8Array[]) {
    let bytes = 0
    for (const message of messages) bytes += message.byteLength
    this.bytes = bytes
  }
}

/**
 * One client connection as the engine sees it. The transport implements it (today over `ws`);
 * the engine never touches a socket library.
 */
export interface Connection {
  /** True while messages can still be sent. */
  readonly isOpen: boolean
  /** Bytes queued for the client and not yet written to the network. */
  readonly bufferedBytes: number
  /** Sends one binary message; dropped if the connection is no longer open. */
  send(message: Uint8Array): void
  /** Sends every message of `batch`, in order; dropped if the connection is no longer open. */
  sendBatch(batch: OutboundBatch): void
  /** Closes with a documented code (its reason from closeReasons). */
  close(code: CloseCode): void
}

/** What a connection reports to its owner (a Session). */
export interface ConnectionListener {
  /** A message arrived; `isBinary` is false for a text frame. */
  onMessage(data: Uint8Array, isBinary: boolean): void
  /** The connection is gone (closed by either side, timed out, or dropped as too slow). */
  onClose(): void
}
