import * as Y from 'yjs'
import { connect, type Client } from '../helpers.js'
import type { Rng } from './wire.js'

/** A stock client that types unique markers at the start or end of the text while it runs. */
export class Honest {
  readonly client: Client
  readonly markers: string[] = []
  readonly closeCodes: number[] = []
  #timer: NodeJS.Timeout | undefined
  constructor(
    readonly name: string,
    ws: string,
    id: string,
    private readonly rng: Rng,
  ) {
    this.client = connect(ws, id)
    this.client.provider.awareness.setLocalStateField('user', { name, color: '#3366cc' })
    this.client.provider.on('connection-close', (event: { code: number } | null) => {
      if (event) this.closeCodes.push(event.code)
    })
  }
  get id(): number {
    return this.client.doc.clientID
  }
  type(): void {
    if (!this.client.provider.wsconnected) return
    const marker = `[${this.name}:${this.markers.length}]`
    const text = this.client.text
    text.insert(this.rng.chance(0.5) ? 0 : text.length, marker)
    this.markers.push(marker)
  }
  start(intervalMs: number): void {
    this.#timer = setInterval(() => this.type(), intervalMs)
  }
  stop(): void {
    clearInterval(this.#timer)
  }
  /** The text as written by honest clients only (fuzz text may sit inside their markers). */
  honestText(ids: ReadonlySet<number>): string {
    let out = ''
    for (let item = this.client.text._start; item; item = item.right) {
      if (!item.deleted && ids.has(item.id.client) && item.content instanceof Y.ContentString) {
        out += item.content.str
      }
    }
    return out
  }
}
