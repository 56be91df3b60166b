import { describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import { documentText } from './documentText.js'
import { DocumentFields } from './protocol.js'
import {
  MAX_SEARCH_TERMS,
  SNIPPET_LENGTH,
  findMatches,
  localScore,
  makeSnippet,
  searchTerms,
} from './search.js'

describe('searchTerms', () => {
  test('keeps only words, folded, once each', () => {
    expect(searchTerms('  Café  CAFE "quoted" NEAR(a b) foo* -bar col:x ')).toEqual([
      'cafe',
      'quoted',
      'near',
      'a',
      'b',
      'foo',
      'bar',
      'col',
      'x',
    ])
    expect(searchTerms('*** "" -- ()')).toEqual([])
    expect(searchTerms('naïve 東京 2024')).toEqual(['naive', '東京', '2024'])
  })

  test(`stops at ${MAX_SEARCH_TERMS} words`, () => {
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`)
    expect(searchTerms(words.join(' '))).toEqual(words.slice(0, MAX_SEARCH_TERMS))
  })
})

describe('findMatches', () => {
  test('prefixes and stems match; other words do not', () => {
    const text = 'She runs; collaboration is running. Rune! Ruin.'
    const words = (terms: string[]) =>
      findMatches(text, terms).map(([start, end]) => text.slice(start, end))
    // The stem is a prefix too, as in the indexes: `running` → `run` → `Rune`.
    expect(words(['running'])).toEqual(['runs', 'running', 'Rune'])
    expect(words(['collab'])).toEqual(['collaboration'])
    expect(words(['run'])).toEqual(['runs', 'running', 'Rune'])
    expect(words(['cat'])).toEqual([])
    expect(words([])).toEqual([])
  })

  test('folds case and diacritics', () => {
    const text = 'Un CAFÉ crème'
    expect(findMatches(text, ['cafe', 'creme'])).toEqual([
      [3, 7],
      [8, 13],
    ])
  })
})

describe('makeSnippet', () => {
  test('a short body is the snippet, its matches marked', () => {
    expect(makeSnippet('Plan the\nlaunch.', ['launch'])).toEqual({
      text: 'Plan the launch.',
      matches: [[9, 15]],
    })
  })

  test('a long body is cut around the first match, at words, with ellipses', () => {
    const before = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ')
    const after = Array.from({ length: 60 }, (_, i) => `tail${i}`).join(' ')
    const { text, matches } = makeSnippet(`${before} needle ${after}`, ['needle'])
    expect(text.startsWith('…word')).toBe(true)
    expect(text.endsWith('…')).toBe(true)
    expect(text.length).toBeLessThanOrEqual(SNIPPET_LENGTH + 2)
    expect(matches).toHaveLength(1)
    const [start, end] = matches[0]!
    expect(text.slice(start, end)).toBe('needle')
    // Words are whole: nothing between the ellipses is cut.
    for (const word of text.slice(1, -1).split(' '))
      expect(word).toMatch(/^(word|tail)\d+$|^needle$/)
  })

  test('without a match in the body, it is the start of the body', () => {
    const body = Array.from({ length: 100 }, (_, i) => `w${i}`).join(' ')
    const { text, matches } = makeSnippet(body, ['title'])
    expect(text.startsWith('w0 w1')).toBe(true)
    expect(matches).toEqual([])
  })
})

describe('localScore', () => {
  test('every term must match; the title counts more', () => {
    const titled = { title: 'Harbour plan', body: 'Boats.' }
    const mentioned = { title: 'Notes', body: 'The harbour and the plan.' }
    expect(localScore(titled, ['harbour', 'boat'])).toBeDefined()
    expect(localScore(titled, ['harbour', 'cars'])).toBeUndefined()
    expect(localScore(titled, [])).toBeUndefined()
    expect(localScore(titled, ['harbour'])!).toBeGreaterThan(localScore(mentioned, ['harbour'])!)
  })
})

describe('documentText', () => {
  test('the title and each block on its own line, formatting dropped', () => {
    const doc = new Y.Doc()
    doc.getText(DocumentFields.title).insert(0, '  My\n title ')
    const fragment = doc.getXmlFragment(DocumentFields.content)
    const heading = new Y.XmlElement('heading')
    heading.insert(0, [new Y.XmlText('Intro')])
    const paragraph = new Y.XmlElement('paragraph')
    const text = new Y.XmlText()
    text.insert(0, 'Bold', { bold: true })
    text.insert(4, ' and plain')
    paragraph.insert(0, [text])
    const list = new Y.XmlElement('bulletList')
    const item = new Y.XmlElement('listItem')
    const itemParagraph = new Y.XmlElement('paragraph')
    itemParagraph.insert(0, [
      new Y.XmlText('first'),
      new Y.XmlElement('hardBreak'),
      new Y.XmlText('second'),
    ])
    item.insert(0, [itemParagraph])
    list.insert(0, [item])
    fragment.insert(0, [heading, new Y.XmlElement('paragraph'), paragraph, list])
    expect(documentText(doc)).toEqual({
      title: 'My title',
      body: 'Intro\nBold and plain\nfirst\nsecond',
    })
  })

  test('reads a document whose roots were never typed, without typing them', () => {
    const source = new Y.Doc()
    source.getText(DocumentFields.title).insert(0, 'Raw')
    const p = new Y.XmlElement('paragraph')
    p.insert(0, [new Y.XmlText('body text')])
    source.getXmlFragment(DocumentFields.content).insert(0, [p])
    const doc = new Y.Doc()
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(source))
    expect(documentText(doc)).toEqual({ title: 'Raw', body: 'body text' })
    expect(doc.share.get(DocumentFields.content)?.constructor).toBe(Y.AbstractType)
  })

  test('an empty document has no text', () => {
    expect(documentText(new Y.Doc())).toEqual({ title: '', body: '' })
  })
})
