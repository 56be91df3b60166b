import {
  MessageType,
  SyncMessageType,
  decodeMessage,
  encodeAwareness,
  encodeAwarenessUpdate,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  type MessageKind,
} from '@tandem/shared'

/**
 * Encodes a sync message (step 1 with a state vector, or step 2 / update with an update). The
 * codec encodes only well-formed messages: build malformed input byte by byte instead.
 */
export function syncMessage(subtype: number, payload: Uint8Array): Uint8Array {
  switch (subtype) {
    case SyncMessageType.step1:
      return encodeSyncStep1(payload)
    case SyncMessageType.step2:
      return encodeSyncStep2(payload)
    case SyncMessageType.update:
      return encodeSyncUpdate(payload)
    default:
      throw new Error(`sync sub-type ${subtype} does not exist; write malformed input as raw bytes`)
  }
}

/** An update message as a stock client sends it. */
export const updateMessage = (update: Uint8Array) => encodeSyncUpdate(update)

/** Encodes an awareness message with hand-picked entries (client id, clock, JSON state). */
export function awarenessMessage(
  entries: { id: number; clock: number; state: unknown }[],
): Uint8Array {
  return encodeAwareness(
    encodeAwarenessUpdate(
      entries.map(({ id, clock, state }) => ({ clientId: id, clock, json: JSON.stringify(state) })),
    ),
  )
}

const typeOfKind: Record<MessageKind, MessageType> = {
  'sync-step1': MessageType.sync,
  'sync-step2': MessageType.sync,
  'sync-update': MessageType.sync,
  awareness: MessageType.awareness,
  'query-awareness': MessageType.queryAwareness,
  'permission-denied': MessageType.auth,
  saved: MessageType.saved,
}

/** The wire type number of each message; throws if the server sent one the codec cannot decode. */
export function messageTypes(messages: Uint8Array[]): number[] {
  return messages.map((m) => typeOfKind[decodeMessage(m).type])
}

/** Reasons of the auth permission-denied messages received. */
export function deniedReasons(messages: Uint8Array[]): string[] {
  return messages.flatMap((m) => {
    const message = decodeMessage(m)
    return message.type === 'permission-denied' ? [message.reason] : []
  })
}
