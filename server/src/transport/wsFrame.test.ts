import crypto from 'node:crypto'
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import WebSocket from 'ws'
import { afterEach, describe, expect, test } from 'vitest'
import { frameBinary } from './wsFrame.js'

const servers: { close(): void }[] = []
afterEach(() => {
  for (const server of servers.splice(0)) server.close()
})

/**
 * Writes `frames` as a server would after a handshake and returns what a real `ws` client parsed,
 * so the frames are judged by an independent implementation of RFC 6455.
 */
async function parsedByWs(frames: Buffer, count: number): Promise<Buffer[]> {
  const server = createServer((socket) => {
    socket.once('data', (request) => {
      const key = /Sec-WebSocket-Key: (.+)\r\n/i.exec(request.toString())?.[1] ?? ''
      const accept = createAccept(key)
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
      )
      socket.write(frames)
    })
    socket.on('error', () => {})
  })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { maxPayload: 1 << 20 })
  const received: Buffer[] = []
  await new Promise<void>((resolve, reject) => {
    client.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) reject(new Error('text frame'))
      received.push(data)
      if (received.length === count) resolve()
    })
    client.on('error', reject)
    client.on('close', (code) => reject(new Error(`closed ${code} after ${received.length}`)))
  })
  client.terminate()
  return received
}

function createAccept(key: string): string {
  return crypto
    .createHash('sha1')
    .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
    .digest('base64')
}

const message = (length: number, seed: number) =>
  Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff)

describe('frameBinary', () => {
  test('every payload-length class parses back exactly, in order, from one buffer', async () => {
    // Boundaries of the 7-bit, 16-bit and 64-bit length encodings.
    const lengths = [0, 1, 125, 126, 127, 65_535, 65_536, 65_537]
    const messages = lengths.map((length, i) => message(length, i))
    const received = await parsedByWs(frameBinary(messages), messages.length)
    expect(received.map((m) => m.byteLength)).toEqual(lengths)
    received.forEach((m, i) => expect(Buffer.compare(m, Buffer.from(messages[i]!))).toBe(0))
  })

  test('headers take 2, 4 or 10 bytes by payload length', () => {
    expect(frameBinary([message(125, 0)]).byteLength).toBe(127)
    expect(frameBinary([message(126, 0)]).byteLength).toBe(130)
    expect(frameBinary([message(65_536, 0)]).byteLength).toBe(65_546)
    expect(frameBinary([]).byteLength).toBe(0)
  })
})
