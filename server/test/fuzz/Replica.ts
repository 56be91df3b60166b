import * as Y from 'yjs'
import { SyncMessageType } from '@tandem/shared'
import type { FuzzFrame } from './FrameFactory.js'
import { syncFrame, type Rng } from './wire.js'

const REMOTE = Symbol('remote')

/** A fuzz client's own replica of the shared document, for valid edits that land among honest ones. */
export class Replica {
  readonly doc = new Y.Doc()
  readonly #pending: Uint8Array[] = []
  readonly #markers: string[] = []
  #n = 0
  constructor(
    private readonly rng: Rng,
    private readonly tag: string,
  ) {
    this.doc.clientID = rng.u32()
    this.doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin !== REMOTE) this.#pending.push(u)
    })
  }
  /** Why applying a server message failed; the replica then stops editing (it may be torn). */
  broken: string | undefined
  /** Applies an update from the server; false if it threw. */
  apply(update: Uint8Array): boolean {
    if (this.broken) return true
    try {
      Y.applyUpdate(this.doc, update, REMOTE)
      return true
    } catch (err) {
      this.broken = String(err)
      return false
    }
  }
  /** One valid edit: insert a marker, format a range, set a map key, or delete an own marker. */
  edit(): FuzzFrame {
    const rng = this.rng
    const text = this.doc.getText('t')
    const kind = rng.int(4)
    if (kind === 0 && text.length > 0) {
      const at = rng.int(text.length)
      text.format(at, 1 + rng.int(Math.min(8, text.length - at)), { bold: rng.chance(0.5) || null })
    } else if (kind === 1) {
      this.doc.getMap('fz').set(`k${rng.int(8)}`, rng.chance(0.5) ? rng.u32() : { n: this.#n })
    } else if (kind === 2 && this.#markers.length > 0) {
      const marker = this.#markers.splice(rng.int(this.#markers.length), 1)[0]!
      // Found in Y.Text's own index space: toString() leaves out embeds, nested types and other
      // non-string content that valid fuzz updates put in the text, and searching it shifted the
      // deletion onto the characters before the marker (honest ones among them).
      const at = indexSpace(text).indexOf(marker)
      if (at >= 0) text.delete(at, marker.length)
    } else {
      const marker = `~${this.tag}.${this.#n++}~`
      text.insert(rng.int(text.length + 1), marker)
      this.#markers.push(marker)
    }
    const update = Y.mergeUpdates(this.#pending.splice(0))
    return {
      data: syncFrame(SyncMessageType.update, update),
      category: 'valid edit',
      class: 'benign',
      codes: [],
      stores: update,
    }
  }
  /** What the server lacks, as sync step 2 (a stock client's answer to the server's step 1). */
  answer(serverStateVector: Uint8Array): FuzzFrame {
    const update = Y.encodeStateAsUpdate(this.doc, serverStateVector)
    this.#pending.length = 0
    return {
      data: syncFrame(SyncMessageType.step2, update),
      category: 'sync step 2',
      class: 'benign',
      codes: [],
      stores: update,
    }
  }
}

/**
 * The text as Y.Text indexes it: each visible string as is, any other countable content (embeds,
 * nested types, values from valid fuzz updates) as one placeholder per index it takes.
 */
function indexSpace(text: Y.Text): string {
  let out = ''
  for (let item = text._start; item; item = item.right) {
    if (item.deleted || !item.countable) continue
    out += item.content instanceof Y.ContentString ? item.content.str : '\uFFFC'.repeat(item.length)
  }
  return out
}
