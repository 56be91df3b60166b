/**
 * A deterministic editing history for the big-document join: `ops` single-keystroke transactions
 * (typing, backspace, range deletes, caret jumps, new paragraphs) by four authors taking turns, on
 * the app's own document shape (Y.XmlFragment of paragraphs holding Y.XmlText). Updates are
 * merged in batches of `batch` operations, as a client sends them when it catches up.
 */
import * as Y from 'yjs'
import { DocumentFields } from '@tandem/shared'
import { seededRandom } from './clock.js'

export interface History {
  /** Update payloads in send order. */
  payloads: Uint8Array[]
  /** The final document state (what a joiner must receive), for verification. */
  stateVector: Record<number, number>
  /** Size of the full encoded state, in bytes. */
  stateBytes: number
  /** Total bytes of all payloads. */
  historyBytes: number
  characters: number
  paragraphs: number
}

const alphabet = 'etaoin shrdlu cmfwyp vbgkqjxz, ETAOIN. '
const authors = [101, 202, 303, 404]

export function generateHistory(ops: number, batch: number, seed: number): History {
  const random = seededRandom(seed)
  const doc = new Y.Doc()
  const fragment = doc.getXmlFragment(DocumentFields.content)
  const paras: Y.XmlText[] = []
  const newParagraph = (index: number): void => {
    const el = new Y.XmlElement('paragraph')
    const text = new Y.XmlText()
    el.insert(0, [text])
    fragment.insert(index, [el])
    paras.splice(index, 0, text)
  }
  let pending: Uint8Array[] = []
  doc.on('update', (u: Uint8Array) => pending.push(u))
  const payloads: Uint8Array[] = []
  const flush = (): void => {
    if (pending.length) payloads.push(Y.mergeUpdates(pending))
    pending = []
  }
  let p = 0
  let offset = 0
  doc.clientID = authors[0] as number
  newParagraph(0)
  for (let i = 0; i < ops; i++) {
    if (i % batch === 0) {
      flush()
      doc.clientID = authors[Math.floor(i / batch) % authors.length] as number
    }
    const text = paras[p] as Y.XmlText
    const r = random()
    if (r < 0.76) {
      text.insert(offset, alphabet[Math.floor(random() * alphabet.length)] as string)
      offset++
    } else if (r < 0.88) {
      if (offset > 0) {
        text.delete(offset - 1, 1)
        offset--
      } else {
        text.insert(0, 'x')
        offset = 1
      }
    } else if (r < 0.9) {
      const len = Math.min(text.length - offset, 1 + Math.floor(random() * 20))
      if (len > 0) text.delete(offset, len)
      else text.insert(offset, ' ')
    } else if (r < 0.98) {
      p = Math.floor(random() * paras.length)
      const t = paras[p] as Y.XmlText
      offset = Math.floor(random() * (t.length + 1))
      // A caret move alone changes nothing; it is still one operation of the history.
      t.insert(offset, alphabet[Math.floor(random() * alphabet.length)] as string)
      offset++
    } else {
      newParagraph(p + 1)
      p++
      offset = 0
    }
  }
  flush()
  const state = Y.encodeStateAsUpdate(doc)
  return {
    payloads,
    stateVector: Object.fromEntries(Y.decodeStateVector(Y.encodeStateVector(doc))),
    stateBytes: state.length,
    historyBytes: payloads.reduce((n, u) => n + u.length, 0),
    characters: paras.reduce((n, t) => n + t.length, 0),
    paragraphs: paras.length,
  }
}

/** True when `update` (a joiner's sync step 2) holds exactly the history's final state. */
export function matches(history: History, update: Uint8Array): boolean {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, update)
  const sv = Object.fromEntries(Y.decodeStateVector(Y.encodeStateVector(doc)))
  return JSON.stringify(sv) === JSON.stringify(history.stateVector)
}
