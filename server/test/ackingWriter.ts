import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import * as decoding from 'lib0/decoding'
import { MessageType, decodeMessage } from '@tandem/shared'
import { isEmptyUpdate } from '../src/rooms/updateValidation.js'

const writers = new Set<Writer>()

/** Destroys every {@link Writer} still open (after each test). */
export function destroyWriters(): void {
  for (const writer of [...writers]) writer.destroy()
}

/** One edit: its text, the connection it was typed on and how many sync messages it had sent. */
export interface Edit {
  text: string
  connection: number
  after: number
}

/**
 * A stock y-websocket client (`?ack=1`) that keeps, per connection, the numbers of the sync
 * messages that carried writes and the highest saved-ack, so a test knows exactly which edits
 * the server acknowledged.
 */
export class Writer {
  readonly doc = new Y.Doc()
  readonly text = this.doc.getText('t')
  readonly provider: WebsocketProvider
  readonly connections: { sent: number; writes: number[]; acked: number }[] = []
  readonly closeCodes: number[] = []

  constructor(ws: string, id: string) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const writer = this
    class TrackingSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols)
        writer.connections.push({ sent: 0, writes: [], acked: 0 })
      }
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      override send(data: Uint8Array, ...rest: any[]): void {
        const connection = writer.#current()
        if (data[0] === MessageType.sync) {
          connection.sent++
          const message = decodeMessage(data)
          if (
            (message.type === 'sync-step2' || message.type === 'sync-update') &&
            !isEmptyUpdate(message.update)
          ) {
            connection.writes.push(connection.sent)
          }
        }
        ;(super.send as (...args: unknown[]) => void)(data, ...rest)
      }
    }
    this.provider = new WebsocketProvider(ws, id, this.doc, {
      WebSocketPolyfill: TrackingSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
      params: { ack: '1' },
    })
    this.provider.messageHandlers[MessageType.saved] = (_encoder, decoder) => {
      this.#current().acked = decoding.readVarUint(decoder)
    }
    this.provider.on('connection-close', (event) => {
      if (event) this.closeCodes.push(event.code)
    })
    writers.add(this)
  }

  #current(): { sent: number; writes: number[]; acked: number } {
    const current = this.connections.at(-1)
    if (!current) throw new Error('no connection yet')
    return current
  }

  /** Appends `text`; the provider sends it at once when connected, else in its next sync step 2. */
  type(text: string): Edit {
    const connection = this.connections.length - 1
    const after = this.connections[connection]?.sent ?? 0
    this.text.insert(this.text.length, text)
    return { text, connection, after }
  }

  /**
   * True once a saved-ack covered a write that carried `edit`: the first write after it on its
   * connection, or the first write of a later connection (its sync step 2 carries everything the
   * server lacks). An ack covers every sync message of its connection up to its number.
   */
  acknowledged(edit: Edit): boolean {
    return this.connections.some((connection, i) => {
      if (i < edit.connection) return false
      const carrier = connection.writes.find((n) => i > edit.connection || n > edit.after)
      return carrier !== undefined && connection.acked >= carrier
    })
  }

  closes(code: number): number {
    return this.closeCodes.filter((c) => c === code).length
  }

  destroy(): void {
    writers.delete(this)
    this.provider.destroy()
    this.doc.destroy()
  }
}
