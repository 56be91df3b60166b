import WebSocket from 'ws'
import * as Y from 'yjs'
import { describe, expect, test } from 'vitest'
import { CloseCode, DOCUMENT_TOO_LARGE_REASON } from '@tandem/shared'
import { memory } from '@tandem/testkit'
import {
  connect,
  createDocument,
  metric,
  rawSocket,
  synced,
  tempDir,
  waitFor,
  useServers,
} from './helpers.js'
import { awarenessMessage, deniedReasons, updateMessage } from './protocol.js'
import { spawnServer } from './process.js'

const server = useServers()

function v2Doc(): Y.Doc {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, 'version two')
  return doc
}

describe('malformed and oversize input', () => {
  test('an oversize message gets 4413; the document keeps working for others', async () => {
    const s = await server({ MAX_MESSAGE_BYTES: '65536', MAX_DOCUMENT_BYTES: '65536' })
    const id = await createDocument(s)
    const honest = connect(s.ws, id)
    await synced(honest)
    const raw = rawSocket(`${s.ws}/${id}`)
    await raw.opened
    raw.ws.send(new Uint8Array(70_000))
    expect((await raw.closed).code).toBe(CloseCode.tooLarge)
    honest.text.insert(0, 'still fine')
    const other = connect(s.ws, id)
    await synced(other)
    await waitFor(() => other.text.toString() === 'still fine')
  })

  test('text frames get 4415 and undecodable frames 4422; nothing of them is stored', async () => {
    const s = await server()
    const id = await createDocument(s)
    const text = rawSocket(`${s.ws}/${id}`)
    await text.opened
    text.ws.send('hello')
    expect((await text.closed).code).toBe(CloseCode.unsupportedData)
    for (const frame of [
      new Uint8Array([0, 2, 5, 1, 2]), // truncated update
      new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // bad varint
      new Uint8Array([42, 0]), // unknown message type
      updateMessage(new Uint8Array([1, 1, 200, 1, 0, 7, 7, 7])), // invalid Yjs update
      // Decode fine, but zero-length ranges make Yjs throw halfway through applying them.
      updateMessage(Buffer.from('01011d000000011d010000', 'hex')), // zero-length GC struct
      updateMessage(Buffer.from('01011d000101017400011d010000', 'hex')), // zero-length deletion
      // A deleted-content length past 2^53: found by the fuzzer (seed 0xe4e8846e).
      updateMessage(Buffer.from('01011d0001010174ffc9fffffffd8080808080804000', 'hex')),
      // Only V1 is accepted: V1 decoding ignores trailing bytes, so these would otherwise pass.
      updateMessage(Buffer.from('00010000000001000100010200001602000001fdffffffff7f0000', 'hex')),
      updateMessage(Y.encodeStateAsUpdateV2(v2Doc())),
      updateMessage(Buffer.from('0000deadbeef', 'hex')),
    ]) {
      const raw = rawSocket(`${s.ws}/${id}`)
      await raw.opened
      raw.ws.send(frame)
      expect((await raw.closed).code).toBe(CloseCode.malformedMessage)
    }
    expect(await metric(s, 'tandem_updates_in_total')).toBe(0)
    const newcomer = connect(s.ws, id)
    await synced(newcomer)
  })

  test('past the document size cap writes are refused with a notice; it stays readable', async () => {
    const s = await server({ MAX_DOCUMENT_BYTES: '4096', MAX_MESSAGE_BYTES: '65536' })
    const id = await createDocument(s)
    const raw = rawSocket(`${s.ws}/${id}`)
    await raw.opened
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => updates.push(u))
    doc.getText('t').insert(0, 'a'.repeat(3000))
    doc.getText('t').insert(0, 'b'.repeat(3000))
    for (const u of updates) raw.ws.send(updateMessage(u))
    await waitFor(() => deniedReasons(raw.messages).includes(DOCUMENT_TOO_LARGE_REASON), {
      what: 'size notice',
    })
    expect(raw.ws.readyState).toBe(raw.ws.OPEN)
    const reader = connect(s.ws, id)
    await synced(reader)
    expect(reader.text.toString()).toBe('a'.repeat(3000))
  })
})

describe('rates and connection caps', () => {
  test('a connection sending faster than its rate is closed with retryable 4529', async () => {
    const s = await server({ RATE_MESSAGES_PER_SEC: '10', RATE_BURST_MESSAGES: '20' })
    const id = await createDocument(s)
    const raw = rawSocket(`${s.ws}/${id}`)
    await raw.opened
    for (let i = 0; i < 50; i++) raw.ws.send(new Uint8Array([3])) // query awareness
    expect((await raw.closed).code).toBe(CloseCode.rateLimited)
  })

  test('connections per address are capped; forwarded addresses count only when trusted', async () => {
    const s = await server({ MAX_CONNECTIONS_PER_IP: '2' })
    const id = await createDocument(s)
    const a = rawSocket(`${s.ws}/${id}`)
    const b = rawSocket(`${s.ws}/${id}`)
    await Promise.all([a.opened, b.opened])
    // Claiming another address does not help when the proxy is not trusted.
    const c = rawSocket(`${s.ws}/${id}`, { 'x-forwarded-for': '203.0.113.9' })
    expect((await c.closed).code).toBe(CloseCode.rateLimited)
    a.ws.close()
    await a.closed
    await waitFor(async () => (await metric(s, 'tandem_connections')) === 1)
    const d = rawSocket(`${s.ws}/${id}`)
    await d.opened
    expect(d.ws.readyState).toBe(WebSocket.OPEN)

    const proxied = await server({ MAX_CONNECTIONS_PER_IP: '1', TRUST_PROXY: 'true' })
    const pid = await createDocument(proxied)
    const users = ['198.51.100.1', '198.51.100.2'].map((ip) =>
      rawSocket(`${proxied.ws}/${pid}`, { 'x-forwarded-for': ip }),
    )
    await Promise.all(users.map((u) => u.opened))
    const again = rawSocket(`${proxied.ws}/${pid}`, { 'x-forwarded-for': '198.51.100.1' })
    expect((await again.closed).code).toBe(CloseCode.rateLimited)
  })

  test('rooms loaded at once are capped with retryable 1013', async () => {
    const s = await server({ MAX_ROOMS: '1' })
    const first = await createDocument(s)
    const second = await createDocument(s)
    const a = connect(s.ws, first)
    await synced(a)
    const b = rawSocket(`${s.ws}/${second}`)
    expect((await b.closed).code).toBe(CloseCode.overloaded)
  })
})

describe('origins', () => {
  test('a foreign Origin is refused with 4403; same origin and no Origin are allowed', async () => {
    const s = await server()
    const id = await createDocument(s)
    const foreign = rawSocket(`${s.ws}/${id}`, { origin: 'https://evil.example' })
    expect((await foreign.closed).code).toBe(CloseCode.forbidden)
    const same = rawSocket(`${s.ws}/${id}`, { origin: s.http })
    const none = rawSocket(`${s.ws}/${id}`)
    await Promise.all([same.opened, none.opened])
    const listed = await server({ ALLOWED_ORIGINS: 'https://docs.example.com' })
    const lid = await createDocument(listed)
    const ok = rawSocket(`${listed.ws}/${lid}`, { origin: 'https://docs.example.com' })
    await ok.opened
  })
})

describe('liveness and backpressure', () => {
  test('a peer that stops answering pings is dropped at the next heartbeat; its presence goes', async () => {
    const s = await server({ HEARTBEAT_INTERVAL_MS: '200' })
    const id = await createDocument(s)
    const observer = connect(s.ws, id)
    await synced(observer)
    // The provider's socket is a `ws` WebSocket (the polyfill), which answers pings by itself.
    let observerPings = 0
    ;(observer.provider.ws as unknown as WebSocket).on('ping', () => observerPings++)
    const silent = new WebSocket(`${s.ws}/${id}`, { autoPong: false })
    silent.on('error', () => {})
    let silentPings = 0
    silent.on('ping', () => silentPings++)
    const silentClosed = new Promise<number>((resolve) => silent.once('close', resolve))
    await new Promise((resolve) => silent.once('open', resolve))
    silent.send(
      awarenessMessage([
        { id: 5150, clock: 1, state: { user: { name: 'Ghost', color: '#999999' } } },
      ]),
    )
    await waitFor(() => observer.provider.awareness.getStates().has(5150))
    await waitFor(() => !observer.provider.awareness.getStates().has(5150), {
      what: 'silent peer removed',
    })
    // Dropped without a closing handshake, at the first heartbeat after a ping it did not answer:
    // it heard one ping, or two when its awareness message (which also proves it alive) arrived
    // after the first.
    expect(await silentClosed).toBe(1006)
    expect(silentPings).toBeGreaterThanOrEqual(1)
    expect(silentPings).toBeLessThanOrEqual(2)
    expect(await metric(s, 'tandem_bad_client_messages_total', 'heartbeat timeout')).toBe(1)
    // The observer answers pings and stays through more heartbeats than the silent peer lasted.
    await waitFor(() => observerPings >= silentPings + 2, { what: 'two more heartbeats' })
    expect(observer.provider.wsconnected).toBe(true)
    expect(await metric(s, 'tandem_bad_client_messages_total', 'heartbeat timeout')).toBe(1)
  })

  test('a client that stops reading is closed and server memory stays bounded', async () => {
    const dataDir = await tempDir()
    const proc = await spawnServer({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      MAX_DOCUMENT_BYTES: '262144',
      MAX_MESSAGE_BYTES: '262144',
      SLOW_CONSUMER_BYTES: '1048576',
      RATE_MESSAGES_PER_SEC: '100000',
      RATE_BURST_MESSAGES: '100000',
      RATE_BYTES_PER_SEC: '1000000000',
    })
    const rss = () => memory(proc.pid).rssBytes
    try {
      const res = await fetch(`${proc.http}/api/docs`, { method: 'POST' })
      const { id } = (await res.json()) as { id: string }
      // The reader never reads: its TCP window fills, then the server's buffer for it grows.
      const reader = new WebSocket(`${proc.ws}/${id}`)
      reader.on('error', () => {})
      await new Promise((resolve) => reader.once('open', resolve))
      ;(reader as unknown as { _socket: { pause(): void } })._socket.pause()
      const writer = rawSocket(`${proc.ws}/${id}`)
      await writer.opened
      const before = rss()
      // Awareness is relayed to everyone; it is not stored, so the document cap does not apply.
      const big = { user: { name: 'W', color: '#123456' }, pad: 'x'.repeat(50_000) }
      let clock = 0
      let sent = 0
      const deadline = Date.now() + 20_000
      while (Date.now() < deadline && sent < 2_000) {
        writer.ws.send(awarenessMessage([{ id: 99, clock: ++clock, state: big }]))
        sent++
        if (sent % 50 === 0) {
          await new Promise((resolve) => setImmediate(resolve))
          const text = await (await fetch(`${proc.http}/metrics`)).text()
          if (text.includes('tandem_bad_client_messages_total{reason="slow consumer"} 1')) break
        }
      }
      const text = await (await fetch(`${proc.http}/metrics`)).text()
      expect(text).toContain('tandem_bad_client_messages_total{reason="slow consumer"} 1')
      const after = rss()
      console.info(
        `slow consumer: closed after ${sent} messages of ~50 KB; server RSS ${(before / 2 ** 20).toFixed(1)} MiB before, ${(after / 2 ** 20).toFixed(1)} MiB after`,
      )
      expect(after - before).toBeLessThan(64 * 2 ** 20)
      expect(writer.ws.readyState).toBe(WebSocket.OPEN)
    } finally {
      await proc.kill('SIGKILL')
    }
  })
})

describe('HTTP hardening', () => {
  test('security headers with a CSP that works over plain http', async () => {
    const s = await server()
    const res = await fetch(`${s.http}/`)
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain('connect-src')
    expect(csp).not.toContain('upgrade-insecure-requests')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('strict-transport-security')).toBeNull()
  })

  test('/api is rate limited per address with a clear 429; the sync socket is not', async () => {
    const s = await server({ API_RATE_LIMIT_PER_MINUTE: '5' })
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) {
      statuses.push((await fetch(`${s.http}/api/docs/AAAAAAAAAAAAAAAAAAAAAA`)).status)
    }
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429])
    const limited = await fetch(`${s.http}/api/docs`, { method: 'POST' })
    expect(limited.status).toBe(429)
    expect(((await limited.json()) as { message: string }).message).toMatch(/Rate limit/)
    const sockets = Array.from({ length: 8 }, () => rawSocket(`${s.ws}/AAAAAAAAAAAAAAAAAAAAAA`))
    const codes = await Promise.all(sockets.map(async (r) => (await r.closed).code))
    expect(new Set(codes)).toEqual(new Set([CloseCode.unknownDocument]))
  })
})
