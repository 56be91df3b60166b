import { MAX_SEARCH_RESULTS } from '@tandem/shared'
import { describe, expect, it } from 'vitest'
import { rankLocal, type LocalText } from './localRanking'

function copy(id: string, title: string, body: string, openedMs = 0): LocalText {
  return { id, text: { title, body }, openedMs }
}

describe('rankLocal', () => {
  it('finds documents whose title or text holds every word, title matches first', () => {
    const copies = [
      copy('body-once', 'Notes', 'We took the coastal road.'),
      copy('none', 'Groceries', 'Bread and milk.'),
      copy('title', 'Coastal trip', 'Leave early.'),
      copy('half', 'Road works', 'Nothing about the sea.'),
    ]
    const results = rankLocal(copies, 'coast road')
    expect(results.map((r) => r.id)).toEqual(['body-once'])
    expect(rankLocal(copies, 'coastal').map((r) => r.id)).toEqual(['title', 'body-once'])
  })

  it('cuts a snippet around the first match and marks the matching words in it', () => {
    const body = `${'Lorem ipsum dolor sit amet. '.repeat(6)}Then the harbour town for lunch.`
    const [result] = rankLocal([copy('a', 'Trip', body, 1_700_000_000_000)], 'Harbour')
    expect(result?.snippet.startsWith('…')).toBe(true)
    const [start, end] = result?.matches[0] ?? [0, 0]
    expect(result?.snippet.slice(start, end)).toBe('harbour')
    expect(result?.title).toBe('Trip')
    expect(result?.updatedAt).toBe(new Date(1_700_000_000_000).toISOString())
  })

  it('puts the more recently opened first among equal matches, and keeps to the limit', () => {
    const copies = Array.from({ length: MAX_SEARCH_RESULTS + 5 }, (_, i) =>
      copy(`doc-${i}`, '', 'a plan', i),
    )
    const results = rankLocal(copies, 'plan')
    expect(results).toHaveLength(MAX_SEARCH_RESULTS)
    expect(results[0]?.id).toBe(`doc-${MAX_SEARCH_RESULTS + 4}`)
  })

  it('finds nothing for a query without words', () => {
    expect(rankLocal([copy('a', 'Plan', 'plan')], '"*"')).toEqual([])
  })
})
