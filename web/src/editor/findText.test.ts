import { searchTerms } from '@tandem/shared'
import { createSchemaExtensions } from '@tandem/shared/schema'
import { getSchema, type JSONContent } from '@tiptap/core'
import { describe, expect, it } from 'vitest'
import { findFirstMatch, indexText, textRangeToDocRange } from './findText'

const schema = getSchema(createSchemaExtensions())

function doc(...content: JSONContent[]) {
  return schema.nodeFromJSON({ type: 'doc', content })
}

const text = (value: string, marks?: JSONContent['marks']): JSONContent => ({
  type: 'text',
  text: value,
  ...(marks ? { marks } : {}),
})
const paragraph = (...content: JSONContent[]): JSONContent => ({ type: 'paragraph', content })

describe('indexText', () => {
  it('puts blocks and hard breaks on lines of their own', () => {
    const d = doc(
      { type: 'heading', attrs: { level: 2 }, content: [text('Plan')] },
      paragraph(text('one'), { type: 'hardBreak' }, text('two')),
      {
        type: 'bulletList',
        content: [{ type: 'listItem', content: [paragraph(text('three'))] }],
      },
    )
    expect(indexText(d).text).toBe('Plan\none\ntwo\nthree')
  })
})

describe('findFirstMatch', () => {
  it('gives the document range of the first matching word', () => {
    const d = doc(paragraph(text('Intro')), paragraph(text('We reach the harbour town at noon.')))
    const range = findFirstMatch(d, searchTerms('Harbour'))
    expect(range).toBeDefined()
    expect(d.textBetween(range?.from ?? 0, range?.to ?? 0)).toBe('harbour')
  })

  it('matches by prefix and stem, as search does', () => {
    const d = doc(paragraph(text('She was running late.')))
    const range = findFirstMatch(d, searchTerms('runs'))
    expect(d.textBetween(range?.from ?? 0, range?.to ?? 0)).toBe('running')
  })

  it('selects a word split over formatting as one', () => {
    const d = doc(paragraph(text('Bring '), text('sna', [{ type: 'bold' }]), text('cks now')))
    const range = findFirstMatch(d, searchTerms('snacks'))
    expect(d.textBetween(range?.from ?? 0, range?.to ?? 0)).toBe('snacks')
  })

  it('finds nothing when only the title would match, or the text is empty', () => {
    expect(findFirstMatch(doc(paragraph(text('Other words'))), ['harbour'])).toBeUndefined()
    expect(findFirstMatch(doc({ type: 'paragraph' }), ['harbour'])).toBeUndefined()
  })

  it('never maps a range that does not fall in text', () => {
    const index = indexText(doc(paragraph(text('ab')), paragraph(text('cd'))))
    expect(textRangeToDocRange(index, [2, 3])).toBeUndefined()
    expect(textRangeToDocRange(index, [1, 1])).toBeUndefined()
  })
})
