import { CloseCode, encodeSaved, type Role } from '@tandem/shared'
import { AckLedger } from './AckLedger.js'
import type { Connection, ConnectionListener, OutboundBatch } from './Connection.js'
import type { EngineHooks } from './hooks.js'

/** Lifecycle of a session: waiting for its room to load, open, or closed. */
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
}

/** What every session of a server shares: one object, not a copy per connection. */
export interface SessionEnv {
  limits: SessionLimits
  hooks: EngineHooks
}

/** Who is connecting, decided from the link before the session starts. */
export interface SessionOptions {
  role: Role
  /** The link token the connection came in with (rotating it closes the connection). */
  token: string
  /** Per-tab secret that proves ownership of awareness client ids across reconnects. */
  tabSecret: string | undefined
  /** The client opted into saved-acknowledgement messages (`?ack=1`). */
  wantsAck: boolean
}

/**
 * One person on one connection: their role and link, their limits (size, rate, the queue while
 * the room loads), and their saved-ack ledger. Speaks to the client through a {@link Connection}.
 */
export class Session implements ConnectionListener {
  state: SessionState = 'waiting'
  readonly role: Role
  readonly token: string
  readonly tabSecret: string | undefined
  /** The saved-ack count, for a client that opted in; only the commit pipeline uses it. */
  readonly acks: AckLedger | undefined
  #host: SessionHost | undefined
  readonly #connection: Connection
  readonly #env: SessionEnv
  /** Refusal reasons already told to the client. */
  #refusalsTold: Set<string> | undefined
  /** Messages that arrived while the room was loading. */
  #queue: Uint8Array[] | undefined
  /** Token buckets: messages and bytes per second, refilled from `#bucketsAt`. */
  #messageTokens: number
  #byteTokens: number
  #bucketsAt = performance.now()

  constructor(connection: Connection, options: SessionOptions, env: SessionEnv) {
    this.#connection = connection
    this.#env = env
    this.role = options.role
    this.token = options.token
    this.tabSecret = options.tabSecret
    if (options.wantsAck) this.acks = new AckLedger()
    this.#messageTokens = env.limits.rateBurstMessages
    this.#byteTokens = env.limits.maxMessageBytes
    env.hooks.sessions(1)
  }

  /** Binds the session to its room; messages received so far are handed over once it opens. */
  attach(host: SessionHost): void {
    this.#host = host
  }

  /** Called by the room once it has loaded: hands over messages that arrived meanwhile. */
  open(): void {
    if (this.state !== 'waiting') return
    this.state = 'open'
    const queued = this.#queue ?? []
    this.#queue = undefined
    for (const message of queued) {
      if (this.state !== 'open') break
      this.#host?.handleMessage(this, message)
    }
  }

  /** A message from the client. */
  onMessage(data: Uint8Array, isBinary: boolean): void {
    if (this.state === 'closed') return
    const limits = this.#env.limits
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
    if (this.state === 'open' && this.#host) {
      this.#host.handleMessage(this, data)
    } else if ((this.#queue?.length ?? 0) >= limits.maxQueuedMessages) {
      this.fail(CloseCode.overloaded, 'queue full while loading')
    } else {
      ;(this.#queue ??= []).push(data)
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

  /** True the first time it is asked for `reason` on this session: tell the client once. */
  firstRefusal(reason: string): boolean {
    if (this.#refusalsTold?.has(reason)) return false
    ;(this.#refusalsTold ??= new Set()).add(reason)
    return true
  }

  /** Sends a saved-ack if more of the client's sync messages are now committed. */
  sendAck(count: number | undefined): void {
    if (count !== undefined && this.state === 'open') this.send(encodeSaved(count))
  }

  /** Sends one message. */
  send(message: Uint8Array): void {
    if (this.state !== 'closed') this.#connection.send(message)
  }

  /** Sends a batch shared with other sessions (framed once by the transport). */
  sendBatch(batch: OutboundBatch): void {
    if (this.state !== 'closed') this.#connection.sendBatch(batch)
  }

  /** Closes for bad input or a refusal; counts it by reason. */
  fail(code: CloseCode, reason: string): void {
    this.#env.hooks.badMessage(reason)
    this.close(code)
  }

  /** Closes the connection with a documented code; the room forgets the session at once. */
  close(code: CloseCode): void {
    if (this.state === 'closed') return
    this.#connection.close(code)
    this.onClose()
  }

  /** The connection is gone. */
  onClose(): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.#queue = undefined
    this.#env.hooks.sessions(-1)
    this.#host?.removeSession(this)
  }
}
