/**
 * WebSocket frames built once and written as they are to every recipient. A server's frames are
 * never masked (RFC 6455 §5.1), so a binary message is the same bytes on every connection: a room
 * frames a tick's relays once instead of once per recipient, and each recipient gets one write.
 */

/** FIN set, opcode 2 (binary). */
const FIN_BINARY = 0x82

function headerLength(payloadLength: number): number {
  if (payloadLength < 126) return 2
  return payloadLength < 0x10000 ? 4 : 10
}

/** The messages as consecutive unmasked binary frames, in one buffer. */
export function frameBinary(messages: readonly Uint8Array[]): Buffer {
  let total = 0
  for (const message of messages) total += headerLength(message.byteLength) + message.byteLength
  const out = Buffer.allocUnsafe(total)
  let at = 0
  for (const message of messages) {
    const n = message.byteLength
    out[at] = FIN_BINARY
    if (n < 126) {
      out[at + 1] = n
      at += 2
    } else if (n < 0x10000) {
      out[at + 1] = 126
      out.writeUInt16BE(n, at + 2)
      at += 4
    } else {
      out[at + 1] = 127
      out.writeUInt32BE(Math.floor(n / 0x1_0000_0000), at + 2)
      out.writeUInt32BE(n >>> 0, at + 6)
      at += 10
    }
    out.set(message, at)
    at += n
  }
  return out
}
