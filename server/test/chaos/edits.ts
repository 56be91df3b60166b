/**
 * The edits a chaos client makes, shaped like the web editor's document: a Y.XmlFragment of
 * paragraphs (each a Y.XmlElement holding one Y.XmlText, with bold/italic as formatting attributes
 * and element attributes such as alignment) and a Y.Text title. Every edit is one transaction, and
 * its record keeps the exact update it produced, so the final check can ask whether the final
 * document contains it.
 */
import * as Y from 'yjs'
import { DocumentFields } from '@tandem/shared'
import type { Rng } from './Rng.js'

/** What an edit did. */
export type EditKind = 'type' | 'paragraph' | 'delete' | 'format' | 'attribute' | 'unparagraph'

/** An (inclusive-exclusive) clock range of one client: the Yjs ids an edit created or deleted. */
export interface IdRange {
  client: number
  clock: number
  length: number
}

/** One edit a client made, and what is known about its fate. */
export interface Edit {
  /** `<client name>#<n>`, e.g. `c2#17`. */
  label: string
  kind: EditKind
  /** The Yjs update this edit's transaction produced (what the provider sent or will send). */
  update: Uint8Array
  /** A unique text inserted by this edit (kinds type and paragraph), e.g. `[c2.17]`. */
  marker?: string
  /** The ids of the marker's characters. */
  markerIds?: IdRange
  /** Ids of the XmlText and paragraph the marker went into: deleting either removes it. */
  containers: Y.ID[]
  /** Ids this edit deleted. */
  deleted: IdRange[]
  /** No open socket carried it when it was made (offline, dropped, or the server was down). */
  offline: boolean
  /** The client's bookkeeping says the server committed it. */
  saved: boolean
}

const LOCAL = Symbol('chaos edit')

/** Makes random edits to one client's document and records them. */
export class DocEditor {
  readonly fragment: Y.XmlFragment
  readonly title: Y.Text
  #n = 0

  constructor(
    readonly doc: Y.Doc,
    readonly name: string,
    private readonly rng: Rng,
  ) {
    this.fragment = doc.getXmlFragment(DocumentFields.content)
    this.title = doc.getText(DocumentFields.title)
  }

  /**
   * Makes one random edit; undefined when it changed nothing (e.g. formatting already there).
   * `offline` is recorded as given.
   */
  edit(offline: boolean): Edit | undefined {
    const rng = this.rng
    const paragraphs = this.#paragraphs()
    const kind: EditKind =
      paragraphs.length === 0
        ? 'paragraph'
        : rng.weighted({
            type: 46,
            paragraph: 10,
            delete: 18,
            format: 15,
            attribute: 7,
            unparagraph: paragraphs.length > 3 ? 4 : 0,
          })
    const n = this.#n++
    const marker = `[${this.name}.${n}]`
    let containers: Y.ID[] = []
    let captured: Uint8Array | undefined
    const capture = (update: Uint8Array, origin: unknown): void => {
      if (origin === LOCAL) captured = update
    }
    this.doc.on('update', capture)
    try {
      this.doc.transact(() => {
        switch (kind) {
          case 'type': {
            if (rng.chance(0.15)) {
              this.title.insert(this.#boundary(this.title.toString()), marker)
            } else {
              const p = rng.pick(paragraphs)
              const text = this.#textOf(p)
              const attributes = rng.chance(0.2) ? { italic: {} } : undefined
              text.insert(this.#boundary(plain(text)), marker, attributes)
              containers = [text._item!.id, p._item!.id]
            }
            return
          }
          case 'paragraph': {
            const p = new Y.XmlElement('paragraph')
            this.fragment.insert(rng.int(this.fragment.length + 1), [p])
            const text = new Y.XmlText()
            p.insert(0, [text])
            text.insert(0, marker)
            containers = [text._item!.id, p._item!.id]
            return
          }
          case 'delete': {
            const target = rng.chance(0.1) ? this.title : this.#textOf(rng.pick(paragraphs))
            if (target.length === 0) return
            const at = rng.int(target.length)
            target.delete(at, 1 + rng.int(Math.min(12, target.length - at)))
            return
          }
          case 'format': {
            const text = this.#textOf(rng.pick(paragraphs))
            if (text.length === 0) return
            const at = rng.int(text.length)
            const mark = rng.chance(0.6) ? 'bold' : 'italic'
            text.format(at, 1 + rng.int(Math.min(10, text.length - at)), {
              [mark]: rng.chance(0.7) ? {} : null,
            })
            return
          }
          case 'attribute': {
            const p = rng.pick(paragraphs)
            p.setAttribute('textAlign', rng.pick(['left', 'center', 'right', 'justify']))
            return
          }
          case 'unparagraph': {
            this.fragment.delete(this.fragment.toArray().indexOf(rng.pick(paragraphs)), 1)
            return
          }
        }
      }, LOCAL)
    } finally {
      this.doc.off('update', capture)
    }
    if (!captured) return undefined
    const { structs, ds } = Y.decodeUpdate(captured)
    const hasMarker = kind === 'type' || kind === 'paragraph'
    const markerItem = hasMarker
      ? structs.find(
          (s): s is Y.Item =>
            s instanceof Y.Item && s.content instanceof Y.ContentString && s.content.str === marker,
        )
      : undefined
    if (hasMarker && !markerItem) throw new Error(`edit ${marker}: the marker is not in its update`)
    return {
      label: `${this.name}#${n}`,
      kind,
      update: captured,
      ...(markerItem && {
        marker,
        markerIds: {
          client: markerItem.id.client,
          clock: markerItem.id.clock,
          length: markerItem.length,
        },
      }),
      containers,
      deleted: deleteRanges(ds),
      offline,
      saved: false,
    }
  }

  #paragraphs(): Y.XmlElement[] {
    return this.fragment
      .toArray()
      .filter((node): node is Y.XmlElement => node instanceof Y.XmlElement)
  }

  /** The paragraph's text node (made here if a concurrent edit left it without one). */
  #textOf(p: Y.XmlElement): Y.XmlText {
    const text = p.toArray().find((node): node is Y.XmlText => node instanceof Y.XmlText)
    if (text) return text
    const made = new Y.XmlText()
    p.insert(p.length, [made])
    return made
  }

  /**
   * A random insert position that cannot split a marker this client sees whole: the start, the
   * end, just after a `]` or just before a `[`. (Concurrent inserts cannot land inside a marker
   * either: Yjs places them between the neighbours their author saw.)
   */
  #boundary(s: string): number {
    const spots = [0]
    for (let i = 1; i <= s.length; i++) {
      if (i === s.length || s[i - 1] === ']' || s[i] === '[') spots.push(i)
    }
    return this.rng.pick(spots)
  }
}

/** The text of an XmlText without its formatting. */
export function plain(text: Y.XmlText | Y.Text): string {
  return (text.toDelta() as { insert?: unknown }[])
    .map((op) => (typeof op.insert === 'string' ? op.insert : ''))
    .join('')
}

/** Everything a reader sees, without formatting: the title, then one line per paragraph. */
export function visibleText(doc: Y.Doc): string {
  const lines = [doc.getText(DocumentFields.title).toString()]
  for (const node of doc.getXmlFragment(DocumentFields.content).toArray()) {
    if (!(node instanceof Y.XmlElement)) continue
    lines.push(
      node
        .toArray()
        .map((child) => (child instanceof Y.XmlText ? plain(child) : ''))
        .join(''),
    )
  }
  return lines.join('\n')
}

/** The ranges of a decoded delete set. */
function deleteRanges(ds: ReturnType<typeof Y.decodeUpdate>['ds']): IdRange[] {
  const out: IdRange[] = []
  const clients = (ds as unknown as { clients: Map<number, { clock: number; len: number }[]> })
    .clients
  for (const [client, items] of clients) {
    for (const { clock, len } of items) out.push({ client, clock, length: len })
  }
  return out
}

/** True when some range in `ranges` covers a clock of `range`. */
export function overlaps(ranges: readonly IdRange[], range: IdRange): boolean {
  return ranges.some(
    (r) =>
      r.client === range.client &&
      r.clock < range.clock + range.length &&
      range.clock < r.clock + r.length,
  )
}
