import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { MessageType, SyncMessageType } from '@tandem/shared'

/** Encodes a sync message (step 1 with a state vector, or step 2 / update with an update). */
export function syncMessage(subtype: number, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, MessageType.sync)
  encoding.writeVarUint(e, subtype)
  encoding.writeVarUint8Array(e, payload)
  return encoding.toUint8Array(e)
}

/** An update message as a stock client sends it. */
export const updateMessage = (update: Uint8Array) => syncMessage(SyncMessageType.update, update)

/** Encodes an awareness message with hand-picked entries (client id, clock, JSON state). */
export function awarenessMessage(
  entries: { id: number; clock: number; state: unknown }[],
): Uint8Array {
  const inner = encoding.createEncoder()
  encoding.writeVarUint(inner, entries.length)
  for (const entry of entries) {
    encoding.writeVarUint(inner, entry.id)
    encoding.writeVarUint(inner, entry.clock)
    encoding.writeVarString(inner, JSON.stringify(entry.state))
  }
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, MessageType.awareness)
  encoding.writeVarUint8Array(e, encoding.toUint8Array(inner))
  return encoding.toUint8Array(e)
}

/** The first varUint of each message: its type. */
export function messageTypes(messages: Uint8Array[]): number[] {
  return messages.map((m) => decoding.readVarUint(decoding.createDecoder(m)))
}

/** Reasons of the auth permission-denied messages received. */
export function deniedReasons(messages: Uint8Array[]): string[] {
  return messages.flatMap((m) => {
    const d = decoding.createDecoder(m)
    if (decoding.readVarUint(d) !== MessageType.auth) return []
    decoding.readVarUint(d)
    return [decoding.readVarString(d)]
  })
}
