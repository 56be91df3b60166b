import type { IncomingMessage } from 'node:http'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import * as decoding from 'lib0/decoding'
import { MessageType, SyncMessageType } from '@tandem/shared'

const peers = new Set<Peer>()

/** Destroys every peer made since the last call. */
export function destroyPeers(): void {
  for (const peer of [...peers]) peer.destroy()
}

/** Milliseconds on a monotonic clock. */
export const now = (): number => performance.now()

/** An own edit on the wire, not yet covered by a saved-ack. */
interface Unacked {
  item: string
  /** Which socket of the provider carried it (they are numbered from 1). */
  socket: number
  /** The number of the sync message that carried it on that socket. */
  message: number
}

/**
 * A person with a stock `y-websocket` provider (over `ws`, no BroadcastChannel): types items into
 * a Y.Array named after itself, and keeps count of what the server confirmed. With `ack`, each
 * own item is acknowledged once a saved-ack covers the sync message that carried it — an update
 * message, or the sync step 2 a reconnecting provider sends with everything the server lacks.
 * Also records its close codes, read-only refusals, and when it lost and regained sync.
 */
export class Peer {
  readonly doc: Y.Doc
  readonly provider: WebsocketProvider
  /** This peer's own items. */
  readonly items: Y.Array<string>
  /** Close codes the server sent, in order (1006 for a dropped connection). */
  readonly closeCodes: number[] = []
  /** Reasons of permission-denied messages (e.g. "read-only"). */
  readonly denied: string[] = []
  /** Own items a saved-ack covered, with the time the ack arrived. */
  readonly ackedAt = new Map<string, number>()
  /** When each own item was added. */
  readonly addedAt = new Map<string, number>()
  /** Arrival times of saved-acks. */
  readonly acks: number[] = []
  /** Times the provider finished syncing, and lost its connection. */
  readonly syncedAt: number[] = []
  readonly droppedAt: number[] = []
  /** The local TCP port of the current socket (a load balancer knows it as the client's). */
  localPort: number | undefined
  #socket = 0
  #sent = 0
  #unacked: Unacked[] = []
  /** Own items added while no socket was open: they travel in the next sync step 2. */
  #unsent: string[] = []
  #typing: NodeJS.Timeout | undefined
  #typed = 0

  constructor(
    readonly name: string,
    url: string,
    token: string,
    /** `as`: the same person (document copy and presence) on a new connection, e.g. moved. */
    options: { ack?: boolean; as?: Peer } = {},
  ) {
    this.doc = options.as?.doc ?? new Y.Doc()
    this.items = this.doc.getArray<string>(name)
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const peer = this
    class CountingSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols)
        peer.#socket++
        peer.#sent = 0
        this.once('upgrade', (response: IncomingMessage) => {
          peer.localPort = response.socket.localPort
        })
      }
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      override send(data: Uint8Array, ...rest: any[]): void {
        if (data[0] === MessageType.sync) peer.#sentSync(data[1])
        ;(super.send as (...args: unknown[]) => void)(data, ...rest)
      }
    }
    this.provider = new WebsocketProvider(url, token, this.doc, {
      WebSocketPolyfill: CountingSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
      params: options.ack ? { ack: '1' } : {},
      ...(options.as ? { awareness: options.as.provider.awareness } : {}),
    })
    this.provider.messageHandlers[MessageType.saved] = (_encoder, decoder) => {
      this.#saved(decoding.readVarUint(decoder))
    }
    this.provider.messageHandlers[MessageType.auth] = (_encoder, decoder) => {
      if (decoding.readVarUint(decoder) === 0) this.denied.push(decoding.readVarString(decoder))
    }
    this.provider.on('sync', (synced: boolean) => {
      if (synced) this.syncedAt.push(now())
    })
    this.provider.on('status', ({ status }: { status: string }) => {
      if (status === 'disconnected') this.droppedAt.push(now())
    })
    this.provider.on('connection-close', (event: { code: number } | null) => {
      if (event) this.closeCodes.push(event.code)
    })
    peers.add(this)
  }

  get synced(): boolean {
    return this.provider.synced
  }

  /** Appends `item` to this peer's array (sent at once when a socket is open). */
  add(item: string): void {
    const before = this.#sent
    this.addedAt.set(item, now())
    this.items.push([item])
    if (this.#sent > before) {
      this.#unacked.push({ item, socket: this.#socket, message: this.#sent })
    } else {
      this.#unsent.push(item)
    }
  }

  /** Adds `${name}-${n}` every `everyMs` while connected, up to `max` items. */
  startTyping(everyMs: number, max = Infinity): void {
    this.#typing = setInterval(() => {
      if (this.#typed < max && this.provider.wsconnected) this.add(`${this.name}-${this.#typed++}`)
    }, everyMs)
  }

  stopTyping(): void {
    clearInterval(this.#typing)
  }

  /** Every item this peer added. */
  own(): string[] {
    return this.items.toArray()
  }

  /** Own items a saved-ack covered. */
  acked(): string[] {
    return [...this.ackedAt.keys()]
  }

  /** Items of the peers called `names` (not this one) that reached this peer: the server sent them. */
  received(names: readonly string[]): string[] {
    return names
      .filter((n) => n !== this.name)
      .flatMap((n) => this.doc.getArray<string>(n).toArray())
  }

  /** The items of array `name` in this peer's copy. */
  array(name: string): string[] {
    return this.doc.getArray<string>(name).toArray()
  }

  destroy(): void {
    this.stopTyping()
    peers.delete(this)
    this.provider.destroy()
    this.doc.destroy()
  }

  #sentSync(subtype: number | undefined): void {
    const message = ++this.#sent
    if (subtype !== SyncMessageType.step2) return
    // A step 2 holds everything the server lacked: own items not yet acknowledged ride on it.
    for (const entry of this.#unacked) {
      if (entry.socket !== this.#socket) Object.assign(entry, { socket: this.#socket, message })
    }
    for (const item of this.#unsent.splice(0)) {
      this.#unacked.push({ item, socket: this.#socket, message })
    }
  }

  #saved(count: number): void {
    const at = now()
    this.acks.push(at)
    this.#unacked = this.#unacked.filter((entry) => {
      if (entry.socket !== this.#socket || entry.message > count) return true
      this.ackedAt.set(entry.item, at)
      return false
    })
  }
}

/**
 * Resolves with the time (see {@link now}) at which `item` shows up in array `name` of `peer`'s
 * copy; rejects after `timeoutMs`.
 */
export function arrival(
  peer: Peer,
  name: string,
  item: string,
  timeoutMs = 10_000,
): Promise<number> {
  const array = peer.doc.getArray<string>(name)
  if (array.toArray().includes(item)) return Promise.resolve(now())
  return new Promise((resolve, reject) => {
    const seen = (): void => {
      if (!array.toArray().includes(item)) return
      clearTimeout(timer)
      array.unobserve(seen)
      resolve(now())
    }
    const timer = setTimeout(() => {
      array.unobserve(seen)
      reject(new Error(`${item} did not reach ${peer.name} within ${timeoutMs} ms`))
    }, timeoutMs)
    array.observe(seen)
  })
}

/**
 * Adds `item` to the shared "probes" array on `from` and resolves with how long it took, in ms,
 * to reach every one of `to` (each through its own instance).
 */
export async function crossing(from: Peer, to: readonly Peer[], item: string): Promise<number> {
  const start = now()
  const arrived = Promise.all(to.map((peer) => arrival(peer, 'probes', item)))
  from.doc.getArray<string>('probes').push([item])
  return Math.max(...(await arrived)) - start
}
