import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import * as decoding from 'lib0/decoding'
import { afterAll, expect, test } from 'vitest'
import { CloseCode, MessageType } from '@tandem/shared'
import {
  cleanupDirs,
  connect,
  createDocument,
  destroyClients,
  synced,
  tempDir,
  waitFor,
} from './helpers.js'
import { spawnServer as spawn, type ServerProcess } from './process.js'

// Every server this file starts, so one left running by a failed test is killed at the end.
const spawned: ServerProcess[] = []
async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const server = await spawn(env)
  spawned.push(server)
  return server
}

afterAll(async () => {
  destroyClients()
  await Promise.all(spawned.map((server) => server.kill('SIGKILL')))
  await cleanupDirs()
})

/** A typing client that knows which of its edits the server acknowledged as saved. */
class Typist {
  readonly doc = new Y.Doc()
  readonly provider: WebsocketProvider
  readonly items: Y.Array<string>
  /** Per own edit: the number of the sync message that carried it. */
  readonly sentIn = new Map<string, number>()
  syncSent = 0
  acked = 0
  #timer: NodeJS.Timeout | undefined
  #n = 0

  constructor(
    readonly name: string,
    ws: string,
    id: string,
  ) {
    this.items = this.doc.getArray(name)
    // Counts the sync messages this client sends on the current socket, as the web app does.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const typist = this
    class CountingSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols)
        typist.syncSent = 0
        typist.acked = 0
      }
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      override send(data: Uint8Array, ...rest: any[]): void {
        if (data[0] === MessageType.sync) typist.syncSent++
        ;(super.send as (...args: unknown[]) => void)(data, ...rest)
      }
    }
    this.provider = new WebsocketProvider(ws, id, this.doc, {
      WebSocketPolyfill: CountingSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
      params: { ack: '1' },
    })
    this.provider.messageHandlers[MessageType.saved] = (_e, decoder) => {
      this.acked = decoding.readVarUint(decoder)
    }
  }

  start(maxItems: number): void {
    this.#timer = setInterval(() => {
      if (this.#n >= maxItems || !this.provider.wsconnected) return
      const item = `${this.name}-${this.#n++}`
      this.items.push([item])
      this.sentIn.set(item, this.syncSent)
    }, 2)
  }

  stop(): void {
    clearInterval(this.#timer)
  }

  /** Own items the server acknowledged as committed. */
  ackedItems(): string[] {
    return [...this.sentIn].filter(([, msg]) => msg <= this.acked).map(([item]) => item)
  }

  /** Items of other clients this client received, which only the server could have relayed. */
  receivedItems(names: string[]): string[] {
    return names
      .filter((n) => n !== this.name)
      .flatMap((n) => this.doc.getArray<string>(n).toArray())
  }
}

test('nothing relayed or acknowledged is lost when the server is killed with SIGKILL', async () => {
  const dataDir = await tempDir()
  const first = await spawnServer({ DATA_DIR: dataDir })
  const id = await createDocument(first)
  const names = ['ann', 'bob', 'cat']
  const typists = names.map((n) => new Typist(n, first.ws, id))
  await waitFor(() => typists.every((t) => t.provider.synced), { what: 'typists synced' })
  for (const t of typists) t.start(5_000)
  await waitFor(
    () =>
      typists.every((t) => t.receivedItems(names).length >= 300 && t.ackedItems().length >= 150),
    { timeoutMs: 20_000, what: 'edits flowing' },
  )
  expect(await first.kill('SIGKILL')).toBe('SIGKILL')
  await waitFor(() => typists.every((t) => !t.provider.wsconnected), { what: 'sockets closed' })
  for (const t of typists) t.stop()

  const relayed = new Set(typists.flatMap((t) => t.receivedItems(names)))
  const acknowledged = new Set(typists.flatMap((t) => t.ackedItems()))
  for (const t of typists) t.provider.destroy()

  const second = await spawnServer({ DATA_DIR: dataDir })
  try {
    const reader = connect(second.ws, id)
    await synced(reader)
    const stored = new Set(names.flatMap((n) => reader.doc.getArray<string>(n).toArray()))
    const lostRelayed = [...relayed].filter((item) => !stored.has(item))
    const lostAcked = [...acknowledged].filter((item) => !stored.has(item))
    console.info(
      `crash test: relayed ${relayed.size}, acknowledged ${acknowledged.size}, ` +
        `stored ${stored.size}, lost ${lostRelayed.length + lostAcked.length}`,
    )
    expect(relayed.size).toBeGreaterThan(0)
    expect(acknowledged.size).toBeGreaterThan(0)
    expect(lostRelayed).toEqual([])
    expect(lostAcked).toEqual([])
  } finally {
    await second.kill('SIGKILL')
  }
})

test('SIGTERM commits and compacts, closes sockets with 1012 and exits 0', async () => {
  const dataDir = await tempDir()
  const first = await spawnServer({ DATA_DIR: dataDir })
  const id = await createDocument(first)
  const a = connect(first.ws, id)
  await synced(a)
  const closes: number[] = []
  a.provider.on('connection-close', (event) => {
    if (event) closes.push(event.code)
  })
  a.text.insert(0, 'written just before shutdown')
  // SIGTERM, as an operator stops it; a SIGKILL after the grace period would fail the test.
  expect(await first.stop()).toEqual({ status: 0, killed: false })
  expect(closes).toContain(CloseCode.restarting)
  a.provider.disconnect()
  const second = await spawnServer({ DATA_DIR: dataDir })
  try {
    const b = connect(second.ws, id)
    await synced(b)
    expect(b.text.toString()).toBe('written just before shutdown')
  } finally {
    await second.kill('SIGKILL')
  }
})
