/** Mutation operators for the protocol fuzzer, and a pool of valid updates to mutate. */
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import type { Rng } from './wire.js'
import { build } from './wire.js'

export const MAX = Number.MAX_SAFE_INTEGER
export const HUGE = [2 ** 31 - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 48, MAX]
export const varUint = (n: number): Uint8Array => build((e) => encoding.writeVarUint(e, n))

/** Mutation operators on bytes: bit flips, overwrites, truncation, splicing, huge varUints. */
export function mutate(rng: Rng, input: Uint8Array, donor?: Uint8Array): Uint8Array {
  let out: Uint8Array = Uint8Array.from(input)
  const rounds = 1 + rng.int(3)
  for (let r = 0; r < rounds; r++) {
    const at = out.length === 0 ? 0 : rng.int(out.length)
    switch (rng.int(8)) {
      case 0: // bit flips
        for (let i = 0, n = 1 + rng.int(4); i < n && out.length > 0; i++) {
          const j = rng.int(out.length)
          out[j] = out[j]! ^ (1 << rng.int(8))
        }
        break
      case 1: // overwrite a byte with an interesting value
        if (out.length > 0) out[at] = rng.pick([0, 1, 0x7f, 0x80, 0xff, rng.int(256)])
        break
      case 2: // truncate
        out = out.slice(0, at)
        break
      case 3: // splice: prefix of this, suffix of the donor (or of itself)
        out = concat(out.slice(0, at), (donor ?? out).slice(rng.int((donor ?? out).length + 1)))
        break
      case 4: // insert random bytes
        out = concat(out.slice(0, at), rng.bytes(1 + rng.int(8)), out.slice(at))
        break
      case 5: // duplicate a chunk
        out = concat(out.slice(0, at), out.slice(rng.int(at + 1), at), out.slice(at))
        break
      case 6: // replace the varUint starting here with a huge one
        out = concat(out.slice(0, at), varUint(rng.pick(HUGE)), out.slice(skipVarUint(out, at)))
        break
      default: // zero a range
        out.fill(0, at, at + 1 + rng.int(8))
    }
  }
  return out
}

export function skipVarUint(bytes: Uint8Array, at: number): number {
  let i = at
  while (i < bytes.length && bytes[i]! >= 0x80) i++
  return Math.min(bytes.length, i + 1)
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/**
 * Valid, varied V1 updates (text with formatting and embeds, maps with every `any` kind, nested
 * types, XML, subdocuments, deletions) to mutate. Client ids and guids come from `rng`.
 */
export function baseUpdates(rng: Rng): Uint8Array[] {
  const out: Uint8Array[] = []
  const make = (edit: (doc: Y.Doc) => void): void => {
    const doc = new Y.Doc({ guid: `fz-${rng.u32()}` })
    doc.clientID = rng.u32()
    doc.on('update', (u: Uint8Array) => out.push(u))
    edit(doc)
    out.push(Y.encodeStateAsUpdate(doc))
    doc.destroy()
  }
  const word = (): string => `fz${rng.u32().toString(36)}`
  for (let i = 0; i < 6; i++) {
    make((doc) => {
      const text = doc.getText(rng.pick(['t', 'title', 'x']))
      text.insert(0, `${word()} ${word()} ${word()}`)
      text.format(1, 4, { bold: true, href: word() })
      text.insertEmbed(2, { image: word() })
      text.delete(rng.int(3), 1 + rng.int(3))
      const map = doc.getMap('m')
      map.set('n', rng.next())
      map.set('i', rng.int(1_000_000))
      map.set('s', word())
      map.set('b', rng.chance(0.5))
      map.set('z', null)
      map.set('o', { a: [1, 'two', { three: 3 }], u8: rng.bytes(4) })
      map.set('big', BigInt(rng.u32()) * 4294967296n)
      const nested = new Y.Map<unknown>()
      map.set('nested', nested)
      nested.set('arr', Y.Array.from([1, 2, 3]))
      map.delete('s')
      doc.getArray('a').insert(0, [word(), rng.bytes(3), new Y.Text(word())])
      const xml = doc.getXmlFragment('default')
      const el = new Y.XmlElement('paragraph')
      el.setAttribute('level', String(rng.int(6)))
      el.insert(0, [new Y.XmlText(word())])
      xml.insert(0, [el])
      doc.getMap('docs').set('sub', new Y.Doc({ guid: `fz-sub-${rng.u32()}` }))
    })
  }
  return out
}

/** One frame to send, and what a correct server must do with it. */
