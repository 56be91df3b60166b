import { describe, expect, it } from 'vitest'
import { highlightParts } from './highlight'

describe('highlightParts', () => {
  it('marks the ranges and keeps the rest as plain text', () => {
    expect(highlightParts('the harbour town', [[4, 11]])).toEqual([
      { text: 'the ', marked: false },
      { text: 'harbour', marked: true },
      { text: ' town', marked: false },
    ])
  })

  it('is the whole text unmarked without ranges (an empty text too)', () => {
    expect(highlightParts('plain', [])).toEqual([{ text: 'plain', marked: false }])
    expect(highlightParts('', [])).toEqual([{ text: '', marked: false }])
  })

  it('survives ranges out of order, overlapping, touching or out of bounds', () => {
    const text = 'abcdefghij'
    const parts = highlightParts(text, [
      [8, 99],
      [2, 4],
      [3, 5],
      [5, 6],
      [-3, 1],
      [7, 7],
    ])
    expect(parts.map((p) => p.text).join('')).toBe(text)
    expect(parts).toEqual([
      { text: 'a', marked: true },
      { text: 'b', marked: false },
      { text: 'cdef', marked: true },
      { text: 'gh', marked: false },
      { text: 'ij', marked: true },
    ])
  })
})
