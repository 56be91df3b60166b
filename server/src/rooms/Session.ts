import type { WebSocket } from 'ws'
import * as encoding from 'lib0/encoding'
import { CloseCode, MessageType, closeReasons, type Role } from '@tandem/shared'
import type { Metrics } from '../metrics.js'

/** Lifecycle of a connection: waiting for its room to load, open, or closed. */
export type SessionState = 'waiting' | 'open' | 'closed'

/** Receives what a session hears; implemented by Room. */
export interface SessionHost {
  handleMessage(session: Session, data: Uint8Array): void
  removeSession(session: Session): void
}

/** Per-connection limits, from the server configuration. */
export interface SessionLimits {
  maxMessageBytes: number
  maxQueuedMessages: number
  rateMessagesPerSec: number
  rateBurstMessages: number
  rateBytesPerSec: number
  slowConsumerBytes: number
}

/** What every session of a server shares: one object, not a copy per connection. */
export interface SessionEnv {
  limits: SessionLimits
  metrics: Metrics
  /** Logs socket-level trouble without flooding (debug level). */
  onSocketError(error: Error): void
  /** The socket has finished closing (the sync route keeps its per-address count with this). */
  onSocketClosed?(session: Session): void
}

/** Options for one connection. */
export interface SessionOptions {
  role: Role
  /** The link token the connection came in with (rotating it closes the connection). */
  token: string
  /** Per-tab secret that proves ownership of awareness client ids across reconnects. */
  tabSecret: string | undefined
  /** The client opted into saved-acknowledgement messages (`?ack=1`). */
  wantsAck: boolean
  /** The client's address, as the per-address limit counts it. */
  address: string
}

/**
 * The parts of a `ws` socket that its public API does not offer: the TCP socket under it (to cork
 * it, and to write prebuilt frames) and its frame sender (to see that nothing of its own is
 * queued). Left unset if this `ws` version is laid out differently; sends then use `ws.send`.
 */
type Tcp = { cork(): void; uncork(): void; write(data: Uint8Array): boolean }
type Sender = { _state: unknown; _queue: unknown[] }

const kSession = Symbol('tandem.session')
type SocketWithSession = WebSocket & { [kSession]?: Session }

// One listener function per event for every socket (the socket is `this`), not closures per
// connection: with thousands of idle connections, per-connection bytes are what count.
function onSocketMessage(this: SocketWithSession, data: Buffer, isBinary: boolean): void {
  this[kSession]?.receive(data, isBinary)
}
function onSocketPong(this: SocketWithSession): void {
  this[kSession]?.markAlive()
}
function onSocketClose(this: SocketWithSession): void {
  this[kSession]?.handleSocketClose()
}
function onSocketError(this: SocketWithSession, error: Error): void {
  this[kSession]?.handleSocketError(error)
}

function uncork(session: Session): void {
  session.uncork()
}

/**
 * One WebSocket connection to a room: receives frames (queued while the room loads), sends
 * messages, and keeps the saved-ack bookkeeping for the sync messages the client sent.
 */
export class Session {
  state: SessionState = 'waiting'
  readonly role: Role
  readonly token: string
  readonly tabSecret: string | undefined
  readonly address: string
  readonly #wantsAck: boolean
  /** False after a ping until a pong or any frame arrives. */
  #alive = true
  /** The TCP socket is corked until the end of the current tick. */
  #corked = false
  #host: SessionHost | undefined
  readonly #socket: WebSocket
  readonly #tcp: Tcp | undefined
  readonly #sender: Sender | undefined
  readonly #env: SessionEnv
  /** Awareness client ids this connection has set; removed for everyone when it closes. */
  #controlled: Set<number> | undefined
  /** Refusal reasons already told to the client. */
  #refusalsTold: Set<string> | undefined
  /** Frames that arrived while the room was loading. */
  #queue: Uint8Array[] | undefined
  /** Sync messages received on this connection (each numbered from 1). */
  #received = 0
  /** Numbers of received writes whose commit is pending, ascending. */
  #inflight: number[] | undefined
  #acked = 0
  /** Token buckets: messages and bytes per second, refilled from `#bucketsAt`. */
  #messageTokens: number
  #byteTokens: number
  #bucketsAt = performance.now()

  constructor(socket: WebSocket, options: SessionOptions, env: SessionEnv) {
    this.#socket = socket
    this.#env = env
    this.role = options.role
    this.token = options.token
    this.tabSecret = options.tabSecret
    this.address = options.address
    this.#wantsAck = options.wantsAck
    this.#messageTokens = env.limits.rateBurstMessages
    this.#byteTokens = env.limits.maxMessageBytes
    const internals = socket as unknown as { _socket?: Tcp; _sender?: Sender }
    if (internals._socket && internals._sender && Array.isArray(internals._sender._queue)) {
      this.#tcp = internals._socket
      this.#sender = internals._sender
    }
    // Handlers are attached synchronously, before anything awaits, so no frame is missed.
    const withSession = socket as SocketWithSession
    withSession[kSession] = this
    socket.binaryType = 'nodebuffer'
    socket.on('message', onSocketMessage)
    socket.on('pong', onSocketPong)
    socket.on('close', onSocketClose)
    socket.on('error', onSocketError)
    env.metrics.connections.inc()
  }

  /** Binds the session to its room; frames received so far are handed over once it opens. */
  attach(host: SessionHost): void {
    this.#host = host
  }

  /** Called by the room once it has loaded: flushes frames that arrived meanwhile. */
  open(): void {
    if (this.state !== 'waiting') return
    this.state = 'open'
    const queued = this.#queue ?? []
    this.#queue = undefined
    for (const frame of queued) {
      if (this.state !== 'open') break
      this.#host?.handleMessage(this, frame)
    }
  }

  /** A frame from the client (the socket's `message` event). */
  receive(data: Buffer, isBinary: boolean): void {
    if (this.state === 'closed') return
    this.#alive = true
    const limits = this.#env.limits
    this.#env.metrics.hot.bytesIn += data.byteLength
    if (!isBinary) {
      this.fail(CloseCode.unsupportedData, 'text frame')
      return
    }
    if (data.byteLength > limits.maxMessageBytes) {
      this.fail(CloseCode.tooLarge, 'message too large')
      return
    }
    if (!this.#takeTokens(data.byteLength)) {
      this.fail(CloseCode.rateLimited, 'rate limited')
      return
    }
    const frame = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    if (this.state === 'open' && this.#host) {
      this.#host.handleMessage(this, frame)
    } else if ((this.#queue?.length ?? 0) >= limits.maxQueuedMessages) {
      this.fail(CloseCode.overloaded, 'queue full while loading')
    } else {
      ;(this.#queue ??= []).push(frame)
    }
  }

  /** Takes one message and `bytes` from the rate buckets; false if either is short. */
  #takeTokens(bytes: number): boolean {
    const limits = this.#env.limits
    const now = performance.now()
    const seconds = (now - this.#bucketsAt) / 1000
    this.#bucketsAt = now
    this.#messageTokens = Math.min(
      limits.rateBurstMessages,
      this.#messageTokens + seconds * limits.rateMessagesPerSec,
    )
    this.#byteTokens = Math.min(
      limits.maxMessageBytes,
      this.#byteTokens + seconds * limits.rateBytesPerSec,
    )
    if (this.#messageTokens < 1 || this.#byteTokens < bytes) return false
    this.#messageTokens -= 1
    this.#byteTokens -= bytes
    return true
  }

  /** A pong arrived. */
  markAlive(): void {
    this.#alive = true
  }

  /** The socket's `error` event. */
  handleSocketError(error: Error): void {
    this.#env.metrics.socketErrors.inc()
    this.#env.onSocketError(error)
  }

  /** The socket's `close` event: the closing handshake is over or the socket was dropped. */
  handleSocketClose(): void {
    this.#onClosed()
    this.#env.onSocketClosed?.(this)
  }

  /** Records that this connection set awareness client `id`. */
  addControlled(id: number): void {
    ;(this.#controlled ??= new Set()).add(id)
  }

  /** Records that awareness client `id` was taken over by another connection. */
  deleteControlled(id: number): void {
    this.#controlled?.delete(id)
  }

  /** The awareness client ids this connection set, forgetting them. */
  takeControlled(): number[] {
    const ids = this.#controlled ? [...this.#controlled] : []
    this.#controlled = undefined
    return ids
  }

  /** True the first time it is asked for `reason` on this connection: tell the client once. */
  firstRefusal(reason: string): boolean {
    if (this.#refusalsTold?.has(reason)) return false
    ;(this.#refusalsTold ??= new Set()).add(reason)
    return true
  }

  /** Numbers the next sync message from the client. */
  nextSyncMessage(): number {
    return ++this.#received
  }

  /** Marks sync message `n` as a write whose commit is pending. */
  writePending(n: number): void {
    ;(this.#inflight ??= []).push(n)
  }

  /** Marks the oldest pending write as committed and acknowledges what is now contiguous. */
  writeCommitted(n: number): void {
    const inflight = this.#inflight
    const i = inflight ? inflight.indexOf(n) : -1
    if (inflight && i >= 0) inflight.splice(i, 1)
    this.flushAck()
  }

  /** Sends a saved-ack if more of the client's sync messages are now committed. */
  flushAck(): void {
    if (!this.#wantsAck || this.state !== 'open') return
    const first = this.#inflight?.[0]
    const upTo = first === undefined ? this.#received : first - 1
    if (upTo <= this.#acked) return
    this.#acked = upTo
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.saved)
    encoding.writeVarUint(encoder, upTo)
    this.send(encoding.toUint8Array(encoder))
  }

  /** Sends one message if the socket is open. */
  send(message: Uint8Array): void {
    if (this.state === 'closed' || this.#socket.readyState !== this.#socket.OPEN) return
    this.#env.metrics.hot.bytesOut += message.byteLength
    this.#corkForThisTick()
    this.#socket.send(message)
    this.#checkBacklog()
  }

  /**
   * Sends messages already framed by `frameBinary` (`framed` holds exactly `messages`): the
   * same buffer goes to every recipient in one write. Falls back to one `send` per message while
   * `ws` has frames of its own queued (it never does without compression), so order is kept.
   */
  sendFramed(framed: Buffer, messages: readonly Uint8Array[], payloadBytes: number): void {
    if (this.state === 'closed' || this.#socket.readyState !== this.#socket.OPEN) return
    this.#env.metrics.hot.bytesOut += payloadBytes
    this.#corkForThisTick()
    const tcp = this.#tcp
    const sender = this.#sender
    if (tcp && sender && sender._state === 0 && sender._queue.length === 0) {
      tcp.write(framed)
    } else {
      for (const message of messages) this.#socket.send(message)
    }
    this.#checkBacklog()
  }

  /**
   * A peer that stops reading is closed once its unsent buffer passes the limit, instead of
   * growing server memory; it reconnects and resyncs.
   */
  #checkBacklog(): void {
    if (this.#socket.bufferedAmount > this.#env.limits.slowConsumerBytes) {
      this.fail(CloseCode.slowConsumer, 'slow consumer')
      // It is not reading, so the close frame may never get through: drop it shortly.
      setTimeout(() => this.#socket.terminate(), 1_000).unref()
    }
  }

  /**
   * Everything sent to this peer in one tick (a whole group commit's relays, an ack) leaves in one
   * writev instead of one syscall per frame: on a busy room that is most of the server's CPU.
   * `ws` has no public handle on its TCP socket, so this reaches for `_socket`.
   */
  #corkForThisTick(): void {
    if (this.#corked) return
    const tcp = this.#tcp
    if (!tcp) return
    this.#corked = true
    tcp.cork()
    process.nextTick(uncork, this)
  }

  /** Ends this tick's cork (see `#corkForThisTick`). */
  uncork(): void {
    this.#corked = false
    this.#tcp?.uncork()
  }

  /** Called every heartbeat interval: pings, or drops a peer that did not answer the last ping. */
  heartbeat(): void {
    if (this.state === 'closed') return
    if (!this.#alive) {
      this.#env.metrics.badMessages.inc({ reason: 'heartbeat timeout' })
      this.terminate()
      return
    }
    this.#alive = false
    if (this.#socket.readyState === this.#socket.OPEN) this.#socket.ping()
  }

  /** Closes for bad input or a refusal; counts it by reason. */
  fail(code: CloseCode, reason: string): void {
    this.#env.metrics.badMessages.inc({ reason })
    this.close(code)
  }

  /** Closes the connection with a documented code; the room forgets it at once. */
  close(code: CloseCode): void {
    if (this.state === 'closed') return
    try {
      this.#socket.close(code, closeReasons[code])
    } catch {
      this.#socket.terminate()
    }
    this.#onClosed()
  }

  /** Drops the connection without a closing handshake (shutdown past its grace period). */
  terminate(): void {
    this.#socket.terminate()
    this.#onClosed()
  }

  #onClosed(): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.#queue = undefined
    this.#env.metrics.connections.dec()
    this.#host?.removeSession(this)
  }

  /** True once the socket finished closing (handshake done or terminated). */
  get socketClosed(): boolean {
    return this.#socket.readyState === this.#socket.CLOSED
  }
}
