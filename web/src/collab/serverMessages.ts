import { decodeMessage, MalformedMessageError, MessageType, type Message } from '@tandem/shared'
import type { WebsocketProvider } from 'y-websocket'

/** What a session does with the server messages y-websocket's own handlers leave to it. */
export interface ServerMessageHandlers {
  /** The server committed the first `count` sync messages sent on the current socket. */
  saved(count: number): void
  /** The server denied something for `reason`: a view link's write, a full document, access. */
  denied(reason: string): void
}

/**
 * Handles the server messages y-websocket does not know on `provider`: the "saved" ack and the
 * auth denial. y-websocket has read the message type from `decoder`; the codec decodes the whole
 * message (`decoder.arr`) again, and the decoder is left at its end. A malformed one is ignored.
 */
export function handleServerMessages(
  provider: WebsocketProvider,
  handlers: ServerMessageHandlers,
): void {
  const handler: WebsocketProvider['messageHandlers'][number] = (_encoder, decoder) => {
    const bytes = decoder.arr
    decoder.pos = bytes.length
    let message: Message
    try {
      message = decodeMessage(bytes)
    } catch (error) {
      if (error instanceof MalformedMessageError) return
      throw error
    }
    receive(message, handlers)
  }
  provider.messageHandlers[MessageType.saved] = handler
  provider.messageHandlers[MessageType.auth] = handler
}

function receive(message: Message, handlers: ServerMessageHandlers): void {
  switch (message.type) {
    case 'saved':
      handlers.saved(message.count)
      return
    case 'permission-denied':
      handlers.denied(message.reason)
      return
    case 'sync-step1':
    case 'sync-step2':
    case 'sync-update':
    case 'awareness':
    case 'query-awareness':
      // y-websocket's own handlers take these types; they never reach this one.
      return
    default: {
      const unknown: never = message
      return unknown
    }
  }
}
