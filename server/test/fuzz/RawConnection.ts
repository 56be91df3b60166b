import { setTimeout as delay } from 'node:timers/promises'
import WebSocket from 'ws'
import { REPLY_TIMEOUT_MS } from './settings.js'

/** How a wait on a raw connection ended. */
export type Outcome = { closed: number } | { answered: true } | { timedOut: true }

/** A raw socket that records what it hears; `ready` resolves on the server's first message. */
export class RawConnection {
  readonly ws: WebSocket
  readonly closed: Promise<number>
  readonly ready: Promise<Uint8Array | undefined>
  code: number | undefined
  selfClosed = false
  constructor(url: string, onMessage: (data: Uint8Array) => void = () => {}) {
    this.ws = new WebSocket(url, { perMessageDeflate: false })
    this.ws.on('error', () => {})
    this.closed = new Promise((resolve) =>
      this.ws.once('close', (code) => {
        this.code = code
        resolve(code)
      }),
    )
    this.ready = Promise.race([
      new Promise<Uint8Array>((resolve) =>
        this.ws.once('message', (data: Buffer) => resolve(new Uint8Array(data))),
      ),
      this.closed.then(() => undefined),
      delay(REPLY_TIMEOUT_MS).then(() => undefined),
    ])
    this.ws.on('message', (data: Buffer) => onMessage(new Uint8Array(data)))
  }
  send(data: Uint8Array | string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data)
  }
  /** Pings; resolves when the pong (all earlier frames were handled) or the close arrives. */
  async settle(timeoutMs = REPLY_TIMEOUT_MS): Promise<Outcome> {
    if (this.code !== undefined) return { closed: this.code }
    const pong = new Promise<Outcome>((resolve) =>
      this.ws.once('pong', () => resolve({ answered: true })),
    )
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping()
    return Promise.race([
      pong,
      this.closed.then((code): Outcome => ({ closed: code })),
      delay(timeoutMs).then((): Outcome => ({ timedOut: true })),
    ])
  }
  async waitClosed(timeoutMs = REPLY_TIMEOUT_MS): Promise<Outcome> {
    return Promise.race([
      this.closed.then((code): Outcome => ({ closed: code })),
      delay(timeoutMs).then((): Outcome => ({ timedOut: true })),
    ])
  }
  async end(): Promise<void> {
    if (this.code === undefined) {
      this.selfClosed = true
      this.ws.close(1000)
      if ('timedOut' in (await this.waitClosed(2_000))) this.ws.terminate()
    }
  }
}
