import type { WebSocket } from 'ws'
import { CloseCode, closeReasons } from '@tandem/shared'
import type { Connection, ConnectionListener, OutboundBatch } from '../rooms/Connection.js'
import { frameBinary } from './wsFrame.js'

/** Counters the transport bumps on every frame: plain numbers, read by metrics when scraped. */
export interface TransportCounters {
  bytesIn: number
  bytesOut: number
}

/** What the transport reports (implemented by the Prometheus metrics). */
export interface TransportHooks {
  readonly transportCounters: TransportCounters
  /** An error was raised on a client socket. */
  socketError(error: Error): void
  /** A connection was closed by the transport or refused, by reason. */
  badMessage(reason: string): void
}

/** What every connection of a server shares: one object, not a copy per connection. */
export interface ConnectionEnv {
  hooks: TransportHooks
  /** Unsent bytes a client may leave buffered before it is closed as a slow consumer. */
  slowConsumerBytes: number
  /** The socket finished closing (the endpoint keeps its counts with this). */
  onClosed(connection: WsConnection): void
}

/**
 * The parts of a `ws` socket that its public API does not offer: the TCP socket under it (to cork
 * it, and to write prebuilt frames) and its frame sender (to see that nothing of its own is
 * queued). Left unset if this `ws` version is laid out differently; sends then use `ws.send`.
 */
type Tcp = { cork(): void; uncork(): void; write(data: Uint8Array): boolean }
type Sender = { _state: unknown; _queue: unknown[] }

const kConnection = Symbol('tandem.connection')
type TaggedSocket = WebSocket & { [kConnection]?: WsConnection }

// One listener function per event for every socket (the socket is `this`), not closures per
// connection: with thousands of idle connections, per-connection bytes are what count.
function onSocketMessage(this: TaggedSocket, data: Buffer, isBinary: boolean): void {
  this[kConnection]?.received(data, isBinary)
}
function onSocketPong(this: TaggedSocket): void {
  this[kConnection]?.markAlive()
}
function onSocketClose(this: TaggedSocket): void {
  this[kConnection]?.socketClosed()
}
function onSocketError(this: TaggedSocket, error: Error): void {
  this[kConnection]?.env.hooks.socketError(error)
}
function uncork(connection: WsConnection): void {
  connection.uncork()
}

/**
 * A {@link Connection} over a `ws` socket: sends (corked per tick, pre-framed batches written as
 * they are), the heartbeat's liveness, and slow-consumer detection.
 */
export class WsConnection implements Connection {
  /** The session that hears this connection; set right after construction. */
  listener: ConnectionListener | undefined
  /** The client's address, as the per-address limit counts it. */
  readonly address: string
  /** False after a ping until a pong or any frame arrives. */
  #alive = true
  /** The TCP socket is corked until the end of the current tick. */
  #corked = false
  /** The listener has been told the connection is gone. */
  #gone = false
  readonly #socket: WebSocket
  readonly #tcp: Tcp | undefined
  readonly #sender: Sender | undefined

  constructor(
    socket: WebSocket,
    address: string,
    readonly env: ConnectionEnv,
  ) {
    this.#socket = socket
    this.address = address
    const internals = socket as unknown as { _socket?: Tcp; _sender?: Sender }
    if (internals._socket && internals._sender && Array.isArray(internals._sender._queue)) {
      this.#tcp = internals._socket
      this.#sender = internals._sender
    }
    // Handlers are attached synchronously, before anything awaits, so no frame is missed.
    ;(socket as TaggedSocket)[kConnection] = this
    socket.binaryType = 'nodebuffer'
    socket.on('message', onSocketMessage)
    socket.on('pong', onSocketPong)
    socket.on('close', onSocketClose)
    socket.on('error', onSocketError)
  }

  get isOpen(): boolean {
    return this.#socket.readyState === this.#socket.OPEN
  }

  get bufferedBytes(): number {
    return this.#socket.bufferedAmount
  }

  /** A frame from the client. */
  received(data: Buffer, isBinary: boolean): void {
    this.#alive = true
    this.env.hooks.transportCounters.bytesIn += data.byteLength
    this.listener?.onMessage(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      isBinary,
    )
  }

  /** A pong arrived. */
  markAlive(): void {
    this.#alive = true
  }

  send(message: Uint8Array): void {
    if (!this.isOpen) return
    this.env.hooks.transportCounters.bytesOut += message.byteLength
    this.#corkForThisTick()
    this.#socket.send(message)
    this.#checkBacklog()
  }

  /**
   * Writes the batch framed once for every recipient (server frames are unmasked, so the bytes are
   * the same on every connection). Falls back to one `send` per message while `ws` has frames of
   * its own queued (it never does without compression), so order is kept.
   */
  sendBatch(batch: OutboundBatch): void {
    if (!this.isOpen) return
    this.env.hooks.transportCounters.bytesOut += batch.bytes
    this.#corkForThisTick()
    const tcp = this.#tcp
    const sender = this.#sender
    if (tcp && sender && sender._state === 0 && sender._queue.length === 0) {
      tcp.write((batch.framed ??= frameBinary(batch.messages)) as Buffer)
    } else {
      for (const message of batch.messages) this.#socket.send(message)
    }
    this.#checkBacklog()
  }

  /**
   * A peer that stops reading is closed once its unsent buffer passes the limit, instead of
   * growing server memory; it reconnects and resyncs.
   */
  #checkBacklog(): void {
    if (this.#socket.bufferedAmount <= this.env.slowConsumerBytes) return
    this.env.hooks.badMessage('slow consumer')
    this.close(CloseCode.slowConsumer)
    this.#tellGone()
    // It is not reading, so the close frame may never get through: drop it shortly.
    setTimeout(() => this.#socket.terminate(), 1_000).unref()
  }

  /**
   * Everything sent to this peer in one tick (a whole group commit's relays, an ack) leaves in one
   * writev instead of one syscall per frame: on a busy room that is most of the server's CPU.
   * `ws` has no public handle on its TCP socket, so this reaches for `_socket`.
   */
  #corkForThisTick(): void {
    if (this.#corked || !this.#tcp) return
    this.#corked = true
    this.#tcp.cork()
    process.nextTick(uncork, this)
  }

  /** Ends this tick's cork (see `#corkForThisTick`). */
  uncork(): void {
    this.#corked = false
    this.#tcp?.uncork()
  }

  /** Called every heartbeat interval: pings, or drops a peer that did not answer the last ping. */
  heartbeat(): void {
    if (!this.#alive) {
      this.env.hooks.badMessage('heartbeat timeout')
      this.terminate()
      return
    }
    this.#alive = false
    if (this.isOpen) this.#socket.ping()
  }

  close(code: CloseCode): void {
    try {
      this.#socket.close(code, closeReasons[code])
    } catch {
      this.#socket.terminate()
    }
  }

  /** Drops the connection without a closing handshake; its session is told at once. */
  terminate(): void {
    this.#socket.terminate()
    this.#tellGone()
  }

  /** The socket's `close` event: the closing handshake is over or the socket was dropped. */
  socketClosed(): void {
    this.#tellGone()
    this.env.onClosed(this)
  }

  #tellGone(): void {
    if (this.#gone) return
    this.#gone = true
    this.listener?.onClose()
  }
}
