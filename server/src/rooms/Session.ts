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

/** Options for one connection. */
export interface SessionOptions {
  role: Role
  /** The link token the connection came in with (rotating it closes the connection). */
  token: string
  /** Per-tab secret that proves ownership of awareness client ids across reconnects. */
  tabSecret: string | undefined
  /** The client opted into saved-acknowledgement messages (`?ack=1`). */
  wantsAck: boolean
  limits: SessionLimits
  metrics: Metrics
  /** Logs socket-level trouble without flooding (debug level). */
  onSocketError(error: Error): void
}

/**
 * The parts of a `ws` socket that its public API does not offer: the TCP socket under it (to cork
 * it, and to write prebuilt frames) and its frame sender (to see that nothing of its own is
 * queued). Undefined if this `ws` version is laid out differently; callers then use `send`.
 */
interface Wire {
  tcp: { cork(): void; uncork(): void; write(data: Uint8Array): boolean }
  sender: { _state: unknown; _queue: unknown[] }
}

function wireOf(socket: WebSocket): Wire | undefined {
  const internals = socket as unknown as { _socket?: Wire['tcp']; _sender?: Wire['sender'] }
  const tcp = internals._socket
  const sender = internals._sender
  if (!tcp || !sender || !Array.isArray(sender._queue)) return undefined
  return { tcp, sender }
}

/** A token bucket: `rate` units per second, holding at most `burst`. */
class TokenBucket {
  #tokens: number
  #last = performance.now()
  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.#tokens = burst
  }

  /** Takes `n` units; false if the bucket does not hold them. */
  take(n: number): boolean {
    const now = performance.now()
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.rate)
    this.#last = now
    if (this.#tokens < n) return false
    this.#tokens -= n
    return true
  }
}

/**
 * One WebSocket connection to a room: receives frames (queued while the room loads), sends
 * messages, and keeps the saved-ack bookkeeping for the sync messages the client sent.
 */
export class Session {
  state: SessionState = 'waiting'
  /** Awareness client ids this connection has set; removed for everyone when it closes. */
  readonly controlledIds = new Set<number>()
  readonly role: Role
  readonly token: string
  readonly tabSecret: string | undefined
  /** Set when the client was told its writes are refused (told once per connection). */
  readonly refusalNotified = new Set<string>()
  /** False after a ping until a pong or any frame arrives. */
  #alive = true
  /** The TCP socket is corked until the end of the current tick. */
  #corked = false
  #host: SessionHost | undefined
  readonly #socket: WebSocket
  readonly #wire: Wire | undefined
  readonly #options: SessionOptions
  #queue: Uint8Array[] = []
  /** Sync messages received on this connection (each numbered from 1). */
  #received = 0
  /** Numbers of received writes whose commit is pending, ascending. */
  #inflight: number[] = []
  #acked = 0
  readonly #messageBucket: TokenBucket
  readonly #byteBucket: TokenBucket

  constructor(socket: WebSocket, options: SessionOptions) {
    this.#socket = socket
    this.#wire = wireOf(socket)
    this.#options = options
    this.role = options.role
    this.token = options.token
    this.tabSecret = options.tabSecret
    const limits = options.limits
    this.#messageBucket = new TokenBucket(limits.rateMessagesPerSec, limits.rateBurstMessages)
    this.#byteBucket = new TokenBucket(limits.rateBytesPerSec, limits.maxMessageBytes)
    // Handlers are attached synchronously, before anything awaits, so no frame is missed.
    socket.binaryType = 'nodebuffer'
    socket.on('message', (data, isBinary) => this.#onFrame(data as Buffer, isBinary))
    socket.on('pong', () => (this.#alive = true))
    socket.on('close', () => this.#onClosed())
    socket.on('error', (error) => {
      options.metrics.socketErrors.inc()
      options.onSocketError(error)
    })
    options.metrics.connections.inc()
  }

  /** Binds the session to its room; frames received so far are handed over once it opens. */
  attach(host: SessionHost): void {
    this.#host = host
  }

  /** Called by the room once it has loaded: flushes frames that arrived meanwhile. */
  open(): void {
    if (this.state !== 'waiting') return
    this.state = 'open'
    const queued = this.#queue
    this.#queue = []
    for (const frame of queued) {
      if (this.state !== 'open') break
      this.#host?.handleMessage(this, frame)
    }
  }

  #onFrame(data: Buffer, isBinary: boolean): void {
    if (this.state === 'closed') return
    this.#alive = true
    const limits = this.#options.limits
    this.#options.metrics.hot.bytesIn += data.byteLength
    if (!isBinary) {
      this.fail(CloseCode.unsupportedData, 'text frame')
      return
    }
    if (data.byteLength > limits.maxMessageBytes) {
      this.fail(CloseCode.tooLarge, 'message too large')
      return
    }
    if (!this.#messageBucket.take(1) || !this.#byteBucket.take(data.byteLength)) {
      this.fail(CloseCode.rateLimited, 'rate limited')
      return
    }
    const frame = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    if (this.state === 'open' && this.#host) {
      this.#host.handleMessage(this, frame)
    } else if (this.#queue.length >= limits.maxQueuedMessages) {
      this.fail(CloseCode.overloaded, 'queue full while loading')
    } else {
      this.#queue.push(frame)
    }
  }

  /** Numbers the next sync message from the client. */
  nextSyncMessage(): number {
    return ++this.#received
  }

  /** Marks sync message `n` as a write whose commit is pending. */
  writePending(n: number): void {
    this.#inflight.push(n)
  }

  /** Marks the oldest pending write as committed and acknowledges what is now contiguous. */
  writeCommitted(n: number): void {
    const i = this.#inflight.indexOf(n)
    if (i >= 0) this.#inflight.splice(i, 1)
    this.flushAck()
  }

  /** Sends a saved-ack if more of the client's sync messages are now committed. */
  flushAck(): void {
    if (!this.#options.wantsAck || this.state !== 'open') return
    const first = this.#inflight[0]
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
    this.#options.metrics.hot.bytesOut += message.byteLength
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
    this.#options.metrics.hot.bytesOut += payloadBytes
    this.#corkForThisTick()
    const wire = this.#wire
    if (wire && wire.sender._state === 0 && wire.sender._queue.length === 0) {
      wire.tcp.write(framed)
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
    if (this.#socket.bufferedAmount > this.#options.limits.slowConsumerBytes) {
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
    const tcp = this.#wire?.tcp
    if (!tcp) return
    this.#corked = true
    tcp.cork()
    process.nextTick(() => {
      this.#corked = false
      tcp.uncork()
    })
  }

  /** Called every heartbeat interval: pings, or drops a peer that did not answer the last ping. */
  heartbeat(): void {
    if (this.state === 'closed') return
    if (!this.#alive) {
      this.#options.metrics.badMessages.inc({ reason: 'heartbeat timeout' })
      this.terminate()
      return
    }
    this.#alive = false
    if (this.#socket.readyState === this.#socket.OPEN) this.#socket.ping()
  }

  /** Closes for bad input or a refusal; counts it by reason. */
  fail(code: CloseCode, reason: string): void {
    this.#options.metrics.badMessages.inc({ reason })
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
    this.#queue = []
    this.#options.metrics.connections.dec()
    this.#host?.removeSession(this)
  }

  /** True once the socket finished closing (handshake done or terminated). */
  get socketClosed(): boolean {
    return this.#socket.readyState === this.#socket.CLOSED
  }
}
