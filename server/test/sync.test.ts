import net from 'node:net'
import { describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { CloseCode, MessageType } from '@tandem/shared'
import {
  connect,
  createDocument,
  metric,
  rawSocket,
  startServer,
  synced,
  waitFor,
  useServers,
} from './helpers.js'

const server = useServers()

describe('two stock y-websocket clients', () => {
  test('converge on concurrent edits', async () => {
    const s = await server()
    const id = await createDocument(s)
    const a = connect(s.ws, id)
    const b = connect(s.ws, id)
    await Promise.all([synced(a), synced(b)])
    // Concurrent: both edit before seeing the other's change.
    a.text.insert(0, 'hello from A. ')
    b.text.insert(0, 'hello from B. ')
    await waitFor(() => a.text.toString() === b.text.toString() && a.text.length === 28, {
      what: 'both texts at both clients',
    })
    expect(a.text.toString()).toContain('hello from A.')
    expect(a.text.toString()).toContain('hello from B.')
  })

  test('relays of every frame size arrive intact, also when several authors commit together', async () => {
    const s = await server()
    const id = await createDocument(s)
    const a = connect(s.ws, id)
    const b = connect(s.ws, id)
    const c = connect(s.ws, id)
    await Promise.all([synced(a), synced(b), synced(c)])
    // A garbled frame closes the socket, and the reconnect's resync would hide it: count closes.
    let closes = 0
    for (const x of [a, b, c]) x.provider.on('connection-close', () => closes++)
    const messageLengths = new Set<number>()
    a.doc.on('update', (update: Uint8Array) => {
      // A sync update message: type, subtype, then the update with its varUint length.
      const e = encoding.createEncoder()
      encoding.writeVarUint(e, update.byteLength)
      messageLengths.add(2 + encoding.length(e) + update.byteLength)
    })
    // Runs of sizes across the limits of a frame's 7-bit, 16-bit and 64-bit length forms, written
    // in one tick: A's and C's updates reach the server together and share commits and relays.
    const sizes = [1, ...range(100, 130), ...range(65_500, 65_540), 70_000]
    const total = sizes.reduce((sum, n) => sum + n, 0)
    for (const [i, n] of sizes.entries()) {
      a.text.insert(a.text.length, String.fromCharCode(97 + (i % 26)).repeat(n))
      c.doc.getText('c').insert(0, String.fromCharCode(65 + (i % 26)).repeat(n))
    }
    for (const length of [125, 126, 127, 65_535, 65_536, 65_537]) {
      expect(messageLengths, `a message of ${length} bytes`).toContain(length)
    }
    await waitFor(
      () => [a, b, c].every((x) => x.text.length === total && x.doc.getText('c').length === total),
      { what: "A's and C's text at every client" },
    )
    for (const x of [b, c]) expect(x.text.toString()).toBe(a.text.toString())
    for (const x of [a, b])
      expect(x.doc.getText('c').toString()).toBe(c.doc.getText('c').toString())
    expect(closes).toBe(0)
  })

  test('a late joiner receives the full document', async () => {
    const s = await server()
    const id = await createDocument(s)
    const a = connect(s.ws, id)
    await synced(a)
    for (let i = 0; i < 50; i++) a.text.insert(a.text.length, `line ${i}\n`)
    const late = connect(s.ws, id)
    await synced(late)
    await waitFor(() => late.text.toString() === a.text.toString(), { what: 'late joiner content' })
    expect(late.text.toString()).toContain('line 49')
  })

  test("one client's awareness appears at the other and disappears when it disconnects", async () => {
    const s = await server()
    const id = await createDocument(s)
    const a = connect(s.ws, id)
    const b = connect(s.ws, id)
    await Promise.all([synced(a), synced(b)])
    b.provider.awareness.setLocalStateField('user', { name: 'Bea', color: '#336699' })
    const bId = b.doc.clientID
    await waitFor(() => a.provider.awareness.getStates().get(bId)?.user?.name === 'Bea', {
      what: "B's presence at A",
    })
    b.provider.disconnect()
    await waitFor(() => !a.provider.awareness.getStates().has(bId), {
      what: "B's presence removed at A",
    })
  })

  test('restarting the server on the same data directory brings the document back', async () => {
    const first = await startServer()
    const id = await createDocument(first)
    const a = connect(first.ws, id, { params: { ack: '1' } })
    await synced(a)
    a.text.insert(0, 'persisted text')
    a.doc.getMap('m').set('k', 42)
    await waitFor(async () => (await metric(first, 'tandem_updates_in_total')) >= 2)
    a.destroy()
    await first.close()
    const second = await server({ DATA_DIR: first.dataDir })
    const b = connect(second.ws, id)
    await synced(b)
    await waitFor(() => b.text.toString() === 'persisted text', { what: 'content after restart' })
    expect(b.doc.getMap('m').get('k')).toBe(42)
  })

  test('many clients joining an unloaded document cause exactly one load', async () => {
    const s = await server()
    const id = await createDocument(s)
    const before = await metric(s, 'tandem_document_loads_total')
    const many = Array.from({ length: 20 }, () => connect(s.ws, id))
    await Promise.all(many.map((c) => synced(c)))
    expect((await metric(s, 'tandem_document_loads_total')) - before).toBe(1)
    many[0]?.text.insert(0, 'x')
    await waitFor(() => many.every((c) => c.text.toString() === 'x'), { what: 'all 20 converge' })
  })

  test('an unknown id gets 4404 and the client stops reconnecting', async () => {
    const s = await server()
    const c = connect(s.ws, 'NoSuchDocumentHere0000')
    const closed = await new Promise<{ code: number }>((resolve) =>
      c.provider.once('closed', (event) => resolve(event)),
    )
    expect(closed.code).toBe(CloseCode.unknownDocument)
    expect(c.provider.shouldConnect).toBe(false)
  })

  test('a malformed id gets 4400', async () => {
    const s = await server()
    const raw = rawSocket(`${s.ws}/bad.id!`)
    expect((await raw.closed).code).toBe(CloseCode.badDocumentId)
  })

  test('with ALLOW_CREATE_ON_CONNECT a well-formed id creates its document', async () => {
    const s = await server({ ALLOW_CREATE_ON_CONNECT: '1' })
    const a = connect(s.ws, 'integration-doc-1')
    const b = connect(s.ws, 'integration-doc-1')
    await Promise.all([synced(a), synced(b)])
    a.text.insert(0, 'made by an integration')
    await waitFor(() => b.text.toString() === 'made by an integration')
    const res = await fetch(`${s.http}/api/docs/integration-doc-1`)
    expect(res.status).toBe(200)
  })
})

describe('saved acknowledgement', () => {
  test('counts every sync message of the connection, in order, only for opted-in clients', async () => {
    const s = await server()
    const id = await createDocument(s)
    const raw = rawSocket(`${s.ws}/${id}?ack=1`)
    await raw.opened
    const doc = new Y.Doc()
    const send = (sub: number, payload: Uint8Array) => {
      const e = encoding.createEncoder()
      encoding.writeVarUint(e, MessageType.sync)
      encoding.writeVarUint(e, sub)
      encoding.writeVarUint8Array(e, payload)
      raw.ws.send(encoding.toUint8Array(e))
    }
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => updates.push(u))
    doc.getText('t').insert(0, 'abc')
    doc.getText('t').delete(0, 1) // a deletion does not move the state vector
    send(0, Y.encodeStateVector(doc)) // step 1: a no-op for storage
    for (const u of updates) send(2, u)
    const acks = () =>
      raw.messages
        .map((m) => decoding.createDecoder(m))
        .filter((d) => decoding.readVarUint(d) === MessageType.saved)
        .map((d) => decoding.readVarUint(d))
    await waitFor(() => acks().includes(3), { what: 'ack of 3 sync messages' })
    expect(acks()).toEqual([...acks()].sort((x, y) => x - y))

    // Without ?ack=1 (a stock client) the extension message is never sent.
    const plain = rawSocket(`${s.ws}/${id}`)
    await plain.opened
    const plainDoc = new Y.Doc()
    const plainUpdates: Uint8Array[] = []
    plainDoc.on('update', (u: Uint8Array) => plainUpdates.push(u))
    plainDoc.getText('t').insert(0, 'z')
    const before = await metric(s, 'tandem_updates_in_total')
    for (const u of plainUpdates) {
      const e = encoding.createEncoder()
      encoding.writeVarUint(e, MessageType.sync)
      encoding.writeVarUint(e, 2)
      encoding.writeVarUint8Array(e, u)
      plain.ws.send(encoding.toUint8Array(e))
    }
    await waitFor(async () => (await metric(s, 'tandem_updates_in_total')) > before)
    const q = encoding.createEncoder()
    encoding.writeVarUint(q, MessageType.queryAwareness)
    plain.ws.send(encoding.toUint8Array(q))
    await waitFor(() => plain.messages.some((m) => m[0] === MessageType.awareness))
    expect(plain.messages.map((m) => m[0])).not.toContain(MessageType.saved)
  })
})

describe('the sync upgrade', () => {
  test('other paths get 404, and clients that reset mid-handshake hurt nobody', async () => {
    const s = await server()
    const id = await createDocument(s)
    const elsewhere = new WebSocket(`${s.http.replace(/^http/, 'ws')}/api/docs`)
    const status = await new Promise<number | undefined>((resolve) => {
      elsewhere.on('unexpected-response', (_req, res) => resolve(res.statusCode))
      elsewhere.on('error', () => resolve(undefined))
    })
    expect(status).toBe(404)
    // Upgrade requests whose sockets are reset right after sending, on both kinds of path.
    const { hostname, port, host } = new URL(s.http)
    for (let i = 0; i < 25; i++) {
      for (const path of [`/sync/${id}`, '/elsewhere']) {
        const raw = net.connect(Number(port), hostname)
        raw.on('error', () => {})
        await new Promise<void>((resolve) => raw.once('connect', () => resolve()))
        raw.write(
          `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        )
        raw.resetAndDestroy()
      }
    }
    const c = connect(s.ws, id)
    await synced(c)
    expect((await fetch(`${s.http}/healthz`)).ok).toBe(true)
  })
})

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i)
}
