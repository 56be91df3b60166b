import { DocumentFields, Limits } from '@tandem/shared'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  copyOf,
  copyTitle,
  currentVersion,
  decodeVersion,
  EMPTY_UPDATE_V2,
  fromBase64,
} from './updates'

/** A document as the editor writes it: paragraphs of text in the content fragment, a title. */
function documentWith(title: string, paragraphs: string[]): Y.Doc {
  const doc = new Y.Doc()
  doc.transact(() => {
    doc.getText(DocumentFields.title).insert(0, title)
    const content = doc.getXmlFragment(DocumentFields.content)
    content.insert(
      0,
      paragraphs.map((text) => {
        const paragraph = new Y.XmlElement('paragraph')
        const run = new Y.XmlText()
        run.insert(0, text)
        paragraph.insert(0, [run])
        return paragraph
      }),
    )
  })
  return doc
}

function toBase64(bytes: Uint8Array): string {
  return btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''))
}

function paragraphs(doc: Y.Doc): string[] {
  return doc
    .getXmlFragment(DocumentFields.content)
    .toArray()
    .map((node) => (node instanceof Y.XmlElement ? node.toArray().join('') : ''))
}

describe('fromBase64', () => {
  it('decodes standard padded base64', () => {
    expect(Array.from(fromBase64('AAEC/w=='))).toEqual([0, 1, 2, 255])
    expect(Array.from(fromBase64(''))).toEqual([])
  })

  it('refuses what is not base64', () => {
    expect(() => fromBase64('AAE')).toThrow(/base64/)
    expect(() => fromBase64('AA=C')).toThrow(/base64/)
    expect(() => fromBase64('<b>hi</b>')).toThrow(/base64/)
  })
})

describe('decodeVersion', () => {
  it('turns a base64 V1 update into the same document as V2, with its title', () => {
    const doc = documentWith('Minutes', ['First point.', 'Second point.'])
    const version = decodeVersion(toBase64(Y.encodeStateAsUpdate(doc)))
    expect(version.title).toBe('Minutes')
    const replay = new Y.Doc()
    Y.applyUpdateV2(replay, version.updateV2)
    expect(paragraphs(replay)).toEqual(['First point.', 'Second point.'])
    expect(Y.encodeStateVector(replay)).toEqual(Y.encodeStateVector(doc))
  })

  it('throws on bytes that are not a Yjs update', () => {
    expect(() => decodeVersion(toBase64(new Uint8Array([255, 255, 255, 255])))).toThrow()
  })

  it('reads the current state of a live document without changing it', () => {
    const doc = documentWith('Live', ['Now.'])
    const before = Y.encodeStateAsUpdate(doc)
    const version = currentVersion(doc)
    expect(version.title).toBe('Live')
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before)
    expect(Y.convertUpdateFormatV2ToV1(version.updateV2)).toEqual(before)
  })

  it('has an empty document as the start of history', () => {
    const doc = new Y.Doc()
    Y.applyUpdateV2(doc, EMPTY_UPDATE_V2)
    expect(doc.getXmlFragment(DocumentFields.content).length).toBe(0)
  })
})

describe('copyOf', () => {
  it('copies text, formatting and title into a document with none of the history', () => {
    const doc = documentWith('Plan', ['Keep this.', 'Delete this.'])
    const first = doc.getXmlFragment(DocumentFields.content).get(0) as Y.XmlElement
    first.setAttribute('textAlign', 'center')
    ;(first.get(0) as Y.XmlText).format(0, 4, { bold: {} })
    doc.getXmlFragment(DocumentFields.content).delete(1, 1)

    const copy = new Y.Doc()
    Y.applyUpdate(copy, copyOf(Y.encodeStateAsUpdateV2(doc)))
    expect(paragraphs(copy)).toEqual(['<bold>Keep</bold> this.'])
    const copied = copy.getXmlFragment(DocumentFields.content).get(0) as Y.XmlElement
    expect(copied.getAttribute('textAlign')).toBe('center')
    expect(copy.getText(DocumentFields.title).toString()).toBe('Copy of Plan')
    // Written by one new client; the deleted paragraph is not in it at all.
    const clients = [...Y.decodeStateVector(Y.encodeStateVector(copy)).keys()]
    expect(clients).toHaveLength(1)
    expect(clients).not.toContain(doc.clientID)
    expect(JSON.stringify(Y.decodeUpdate(Y.encodeStateAsUpdate(copy)))).not.toContain('Delete')
  })

  it('titles a copy within the limit, and leaves an untitled one untitled', () => {
    expect(copyTitle('  Plan ')).toBe('Copy of Plan')
    expect(copyTitle('   ')).toBe('')
    expect(Array.from(copyTitle('x'.repeat(Limits.maxTitleLength)))).toHaveLength(
      Limits.maxTitleLength,
    )
  })
})
