import net from 'node:net'
import { once } from 'node:events'

/**
 * What a proxy does with connections: pass them on; hold new ones; stall (established ones stop
 * carrying bytes, which it keeps, and new ones are held); or cut everything.
 */
export type ProxyMode = 'open' | 'hold' | 'stall' | 'cut'

/** One client connection and, once connected, the backend it was given. */
interface Pair {
  client: net.Socket
  upstream?: net.Socket
  backend?: number
  /** Bytes kept while stalled, in order, towards the backend (up) and the client (down). */
  up: Buffer[]
  down: Buffer[]
}

/**
 * A round-robin TCP load balancer for tests: each new connection goes to the next backend, and a
 * backend that refuses the connection is skipped for the next one (as nginx's
 * `proxy_next_upstream` does), so clients of a killed instance land on a live one. With one
 * backend it stands in front of a database and can fail it without touching the server behind:
 * {@link cut} resets every connection and refuses new ones (a dead server or a broken network
 * path); {@link stall} stops carrying bytes (a hung server: queries stay in flight). {@link hold}
 * makes new connections wait (a balancer still looking for a backend) while established ones
 * carry on.
 */
export class TcpProxy {
  readonly #server: net.Server
  readonly #pairs = new Set<Pair>()
  readonly #held: Pair[] = []
  #mode: ProxyMode = 'open'
  #next = 0
  port = 0

  constructor(
    /** Ports of the backends, tried in turn; may be changed while running. */
    public backends: number[],
    /** Host of every backend. */
    readonly host = '127.0.0.1',
  ) {
    this.#server = net.createServer((client) => this.#accept(client))
  }

  async listen(): Promise<this> {
    this.#server.listen(0, '127.0.0.1')
    await once(this.#server, 'listening')
    this.port = (this.#server.address() as net.AddressInfo).port
    return this
  }

  /** What it does with connections now. */
  get mode(): ProxyMode {
    return this.#mode
  }

  /** The backend port given to the client connecting from local port `clientPort`, if any. */
  backendOf(clientPort: number | undefined): number | undefined {
    for (const pair of this.#pairs) {
      if (pair.client.remotePort === clientPort && !pair.client.destroyed) return pair.backend
    }
    return undefined
  }

  /** Everything clients sent towards the backends since {@link stall}, and kept. */
  stalledBytes(): Buffer {
    return Buffer.concat([...this.#pairs].flatMap((pair) => pair.up))
  }

  /** Resets every connection (both sides) and refuses new ones until {@link open}. */
  cut(): void {
    this.#mode = 'cut'
    for (const pair of [...this.#pairs]) reset(pair)
    this.#held.splice(0)
  }

  /** Established connections stop carrying bytes (kept for {@link open}); new ones wait. */
  stall(): void {
    this.#mode = 'stall'
  }

  /** New connections wait (accepted, not yet passed on) until {@link open}. */
  hold(): void {
    if (this.#mode === 'open') this.#mode = 'hold'
  }

  /** Passes connections on again: what a stall kept first, then the held connections. */
  open(): void {
    this.#mode = 'open'
    for (const pair of this.#pairs) {
      for (const chunk of pair.up.splice(0)) pair.upstream?.write(chunk)
      for (const chunk of pair.down.splice(0)) pair.client.write(chunk)
    }
    for (const pair of this.#held.splice(0)) this.#connect(pair)
  }

  #accept(client: net.Socket): void {
    client.on('error', () => {})
    if (this.#mode === 'cut') {
      client.resetAndDestroy()
      return
    }
    const pair: Pair = { client, up: [], down: [] }
    this.#pairs.add(pair)
    client.once('close', () => {
      this.#pairs.delete(pair)
      pair.upstream?.destroy()
    })
    client.pause()
    if (this.#mode === 'open') this.#connect(pair)
    else this.#held.push(pair)
  }

  #connect(pair: Pair): void {
    const { client } = pair
    const tried = new Set<number>()
    const attempt = (): void => {
      if (client.destroyed) return
      if (this.#mode === 'cut') return reset(pair)
      const backends = this.backends
      if (tried.size >= backends.length) {
        client.destroy()
        return
      }
      const port = backends[this.#next++ % backends.length] as number
      if (tried.has(port)) return attempt()
      tried.add(port)
      const upstream = net.connect(port, this.host)
      pair.upstream = upstream
      // A reset or late failure after the hand-over must not become an unhandled 'error'.
      upstream.on('error', () => {})
      const retry = (): void => {
        upstream.destroy()
        attempt()
      }
      upstream.once('error', retry)
      upstream.once('connect', () => {
        upstream.off('error', retry)
        upstream.on('error', () => client.destroy())
        if (client.destroyed || this.#mode === 'cut') return reset(pair)
        pair.backend = port
        this.#carry(pair, client, upstream, pair.up)
        this.#carry(pair, upstream, client, pair.down)
        upstream.once('close', () => client.destroy())
        client.resume()
      })
    }
    attempt()
  }

  /** Forwards `from` to `to` with backpressure, keeping the bytes in `kept` while stalled. */
  #carry(pair: Pair, from: net.Socket, to: net.Socket, kept: Buffer[]): void {
    from.on('data', (chunk: Buffer) => {
      if (this.#mode === 'stall' || kept.length > 0) {
        kept.push(chunk)
        return
      }
      if (!to.write(chunk)) {
        from.pause()
        to.once('drain', () => from.resume())
      }
    })
    from.once('end', () => {
      if (this.#pairs.has(pair)) to.end()
    })
  }

  async close(): Promise<void> {
    this.#mode = 'cut'
    for (const pair of [...this.#pairs]) reset(pair)
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}

/** Drops both sides at once with a TCP reset, as a broken network path does. */
function reset(pair: Pair): void {
  for (const socket of [pair.client, pair.upstream]) {
    if (socket && !socket.destroyed) socket.resetAndDestroy()
  }
}
