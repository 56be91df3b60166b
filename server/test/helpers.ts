import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import type { FastifyInstance } from 'fastify'
import * as decoding from 'lib0/decoding'
import { MessageType } from '@tandem/shared'
import { afterEach } from 'vitest'
import { buildApp, loadConfig, type BuildOptions } from '../src/app.js'

export { spawnServer, type ServerProcess } from './process.js'

/** A running server on 127.0.0.1 and an ephemeral port. */
export interface TestServer {
  app: FastifyInstance
  port: number
  http: string
  ws: string
  dataDir: string
  close(): Promise<void>
}

/** Makes a fresh temporary directory, removed by {@link cleanupDirs}. */
const dirs: string[] = []
export async function tempDir(prefix = 'tandem-test-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix))
  dirs.push(dir)
  return dir
}
export async function cleanupDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })))
}

/** Starts the real app (SQLite in a temp dir unless env says otherwise) on port 0. */
export async function startServer(
  env: Record<string, string> = {},
  options: BuildOptions = {},
): Promise<TestServer> {
  const dataDir = env.DATA_DIR ?? (await tempDir())
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    ROOM_IDLE_MS: '100',
    WEB_DIR: path.join(dataDir, 'no-web'),
    ...env,
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
  })
  const app = await buildApp(config, options)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as AddressInfo).port
  return {
    app,
    port,
    dataDir,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/sync`,
    close: () => app.close(),
  }
}

/**
 * For a test file: returns a starter of servers (with `defaults` under each one's env) and
 * registers an afterEach that destroys clients, closes those servers and removes temp dirs.
 */
export function useServers(
  defaults: Record<string, string> = {},
): (env?: Record<string, string>, options?: BuildOptions) => Promise<TestServer> {
  const servers: TestServer[] = []
  afterEach(async () => {
    destroyClients()
    await Promise.all(servers.splice(0).map((s) => s.close()))
    await cleanupDirs()
  })
  return async (env = {}, options = {}) => {
    const s = await startServer({ ...defaults, ...env }, options)
    servers.push(s)
    return s
  }
}

/** Creates a document through the API and returns its link id. */
export async function createDocument(server: { http: string }): Promise<string> {
  const res = await fetch(`${server.http}/api/docs`, { method: 'POST' })
  if (res.status !== 201) throw new Error(`create failed: ${res.status}`)
  return ((await res.json()) as { id: string }).id
}

/** A stock y-websocket client, as a Node process would use it. */
export interface Client {
  doc: Y.Doc
  provider: WebsocketProvider
  text: Y.Text
  /** Highest saved-ack received on the current connection (with `?ack=1`). */
  acked(): number
  destroy(): void
}

const clients: Client[] = []

/** Connects a stock WebsocketProvider (ws polyfill, BroadcastChannel off so only the server syncs). */
export function connect(
  wsUrl: string,
  id: string,
  options: { params?: Record<string, string>; doc?: Y.Doc } = {},
): Client {
  const doc = options.doc ?? new Y.Doc()
  const provider = new WebsocketProvider(wsUrl, id, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params: options.params ?? {},
  })
  let acked = 0
  // A stock provider logs unknown message types; register the opt-in extension's handler.
  provider.messageHandlers[MessageType.saved] = (_encoder, decoder) => {
    acked = decoding.readVarUint(decoder)
  }
  provider.on('status', ({ status }) => {
    if (status === 'connecting') acked = 0
  })
  const client: Client = {
    doc,
    provider,
    text: doc.getText('t'),
    acked: () => acked,
    destroy: () => {
      provider.destroy()
      doc.destroy()
    },
  }
  clients.push(client)
  return client
}

/** Destroys every client made by {@link connect}. */
export function destroyClients(): void {
  for (const c of clients.splice(0)) c.destroy()
}

/** Resolves once the provider has synced with the server. */
export function synced(client: Client, timeoutMs = 10_000): Promise<void> {
  return waitFor(() => client.provider.synced, { timeoutMs, what: 'provider synced' })
}

/** Polls `condition` until it holds or the deadline passes (then throws, naming `what`). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, what = 'condition' }: { timeoutMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await condition()) return
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** A raw WebSocket that records what it receives and how it closed. */
export interface RawSocket {
  ws: WebSocket
  messages: Uint8Array[]
  /**
   * Resolves when the socket opens; rejects at once if it errors or closes first (e.g. an HTTP
   * error instead of the upgrade, whose status the error names). A test that expects a refusal
   * awaits `closed` instead: the server refuses after the upgrade, with a close code.
   */
  opened: Promise<void>
  /** Resolves with the close code and reason (1006 when the connection dropped or never opened). */
  closed: Promise<{ code: number; reason: string }>
}

/** Opens a raw socket (for malformed input and protocol-level checks). */
export function rawSocket(url: string, headers: Record<string, string> = {}): RawSocket {
  const ws = new WebSocket(url, { headers })
  const messages: Uint8Array[] = []
  ws.on('message', (data: Buffer) => messages.push(new Uint8Array(data)))
  ws.on('error', () => {})
  const opened = new Promise<void>((resolve, reject) => {
    const notOpened = (why: string) =>
      reject(new Error(`raw socket to ${url} did not open: ${why}`))
    ws.once('open', () => resolve())
    // With no 'unexpected-response' listener, ws reports an HTTP answer to the upgrade as an
    // error ("Unexpected server response: 404"), then closes. Either settles a pending open.
    ws.once('error', (error) => notOpened(error.message))
    ws.once('close', (code, reason) => notOpened(`closed with ${code} ${reason.toString()}`))
  })
  // A test that expects a refusal never awaits `opened`: its rejection must not count as unhandled.
  opened.catch(() => {})
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  return { ws, messages, opened, closed }
}

/**
 * Reads a Prometheus counter or gauge from /metrics; with `reason`, the series with that label.
 * A labelled series that has not been counted yet reads 0.
 */
export async function metric(
  server: { http: string },
  name: string,
  reason?: string,
): Promise<number> {
  const text = await (await fetch(`${server.http}/metrics`)).text()
  const prefix = reason === undefined ? `${name} ` : `${name}{reason="${reason}"} `
  const line = text.split('\n').find((l) => l.startsWith(prefix))
  if (!line) return reason === undefined ? NaN : 0
  return Number(line.slice(prefix.length))
}
