import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import { WebSocketServer, type WebSocket } from 'ws'
import { CloseCode, SyncParam, closeReasons } from '@tandem/shared'
import type { Config } from '../config.js'
import { redactPath } from '../redact.js'
import type { Access } from '../rooms/access.js'
import type { LinkGrant } from '../storage/DocumentStore.js'
import { addressResolver, originAllowed } from './clientAddress.js'
import { WsConnection, type ConnectionEnv, type TransportHooks } from './WsConnection.js'

const SYNC_PATH = /^\/sync\/([^/?#]*)(?:\?(.*))?$/
const TAB_SECRET = /^[A-Za-z0-9_-]{16,64}$/

/** What the client asked for in the query string (see SyncParam). */
export interface SyncParams {
  tabSecret: string | undefined
  wantsAck: boolean
}

/** Options for {@link SyncEndpoint}. */
export interface SyncEndpointOptions {
  config: Config
  log: FastifyBaseLogger
  hooks: TransportHooks
  /** Decides what a link token grants, before the upgrade completes. */
  authorize(token: string): Promise<Access>
  /** An accepted connection: the engine sets its listener synchronously. */
  accept(connection: WsConnection, grant: LinkGrant, params: SyncParams): void
}

/**
 * `GET /sync/:token` — the y-websocket endpoint, served from the HTTP server's `upgrade` event by
 * `ws` itself: a connection costs a handshake and a session, not a trip through the HTTP
 * framework. The link is resolved before the upgrade; a refusal still completes the upgrade and
 * then closes with its code, because an HTTP error at the handshake reaches a browser only as
 * 1006. Also owns the heartbeat and the per-address connection cap.
 */
export class SyncEndpoint {
  readonly #wss: WebSocketServer
  readonly #open = new Set<WsConnection>()
  readonly #byAddress = new Map<string, number>()
  readonly #env: ConnectionEnv
  readonly #heartbeat: NodeJS.Timeout
  /** Set by {@link close}: new connections are refused with 1012. */
  #closing = false
  /** Called when the last open connection finished closing (during {@link close}). */
  #onAllClosed: (() => void) | undefined

  constructor(
    server: Server,
    private readonly options: SyncEndpointOptions,
  ) {
    const { config, log, hooks } = options
    this.#wss = new WebSocketServer({
      noServer: true,
      // A hard ceiling for ws itself; the session refuses anything over maxMessageBytes with 4413.
      maxPayload: Math.min(config.maxMessageBytes * 2, 1024 * 1024 * 1024),
      perMessageDeflate: false,
      clientTracking: false,
    })
    this.#wss.on('wsClientError', (error, socket) => {
      hooks.socketError(error)
      socket.destroy()
    })
    this.#env = {
      hooks,
      slowConsumerBytes: config.slowConsumerBytes,
      onClosed: (connection) => this.#closed(connection),
    }
    this.#heartbeat = setInterval(() => {
      for (const connection of this.#open) connection.heartbeat()
    }, config.heartbeatIntervalMs)
    this.#heartbeat.unref()
    const clientAddress = addressResolver(config)
    // Skips building the log line (a path redaction per connection) when nobody reads it.
    const debugEnabled = ['debug', 'trace'].includes(config.logLevel)

    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // Node removes its own error listener from an upgraded socket: until ws takes the socket
      // over, its errors (a reset mid-handshake) are ours to swallow, or they would end the process.
      socket.on('error', ignore)
      const match = SYNC_PATH.exec(req.url ?? '')
      if (!match) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
        return
      }
      const address = clientAddress(req)
      if (debugEnabled) {
        log.debug({ url: redactPath(req.url ?? ''), remoteAddress: address }, 'sync connection')
      }
      this.#decide(req, address, match[1] ?? '')
        .then((access) => {
          if (socket.destroyed) return
          this.#wss.handleUpgrade(req, socket, head, (ws) => {
            socket.off('error', ignore)
            this.#accept(ws, access, address, new URLSearchParams(match[2] ?? ''))
          })
        })
        .catch((err: unknown) => {
          // One connection's failure never reaches the others: it is logged and dropped.
          log.error({ err }, 'setting up a sync connection failed')
          socket.destroy()
        })
    })
  }

  #decide(req: IncomingMessage, address: string, token: string): Promise<Access> {
    if (!originAllowed(this.options.config, req)) {
      return Promise.resolve({ refuse: CloseCode.forbidden })
    }
    if ((this.#byAddress.get(address) ?? 0) >= this.options.config.maxConnectionsPerIp) {
      return Promise.resolve({ refuse: CloseCode.rateLimited })
    }
    return this.options.authorize(token)
  }

  #accept(ws: WebSocket, access: Access, address: string, query: URLSearchParams): void {
    // The per-address cap is checked again here, synchronously: handshakes that were decided
    // together count now.
    const count = this.#byAddress.get(address) ?? 0
    const overCap = count >= this.options.config.maxConnectionsPerIp
    if ('refuse' in access || overCap || this.#closing) {
      const code =
        'refuse' in access
          ? access.refuse
          : this.#closing
            ? CloseCode.restarting
            : CloseCode.rateLimited
      ws.on('error', ignore)
      this.options.hooks.badMessage(`refused ${code}`)
      ws.close(code, closeReasons[code])
      return
    }
    this.#byAddress.set(address, count + 1)
    const connection = new WsConnection(ws, address, this.#env)
    this.#open.add(connection)
    const tab = query.get(SyncParam.tab)
    this.options.accept(connection, access.grant, {
      tabSecret: tab && TAB_SECRET.test(tab) ? tab : undefined,
      wantsAck: query.get(SyncParam.ack) === '1',
    })
  }

  #closed(connection: WsConnection): void {
    if (!this.#open.delete(connection)) return
    const left = (this.#byAddress.get(connection.address) ?? 1) - 1
    if (left > 0) this.#byAddress.set(connection.address, left)
    else this.#byAddress.delete(connection.address)
    if (this.#open.size === 0) this.#onAllClosed?.()
  }

  /** Open connections (sockets not yet closed). */
  get size(): number {
    return this.#open.size
  }

  /**
   * Refuses new connections with 1012 and waits for every open socket's close event (the engine
   * has already closed them); sockets still open after `graceMs` are terminated.
   */
  async close(graceMs: number): Promise<void> {
    this.#closing = true
    clearInterval(this.#heartbeat)
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const connection of [...this.#open]) connection.terminate()
      }, graceMs)
      timer.unref()
      this.#onAllClosed = () => {
        clearTimeout(timer)
        resolve()
      }
      if (this.#open.size === 0) this.#onAllClosed()
    })
    this.#wss.close()
  }
}

function ignore(): void {}
