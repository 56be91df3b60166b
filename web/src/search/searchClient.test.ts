import {
  MAX_SEARCH_LINKS,
  MAX_SEARCH_QUERY_LENGTH,
  type SearchBody,
  type SearchResult,
} from '@tandem/shared'
import { describe, expect, it } from 'vitest'
import type { RecentDocument } from '../collab'
import {
  cutQuery,
  runSearch,
  searchLinks,
  searchRequest,
  type SearchBackends,
} from './searchClient'

function recent(id: string, lastOpenedMs: number, extra: Partial<RecentDocument> = {}) {
  return { id, title: '', lastOpenedMs, ...extra } satisfies RecentDocument
}

const found: SearchResult = {
  id: 'doc-a',
  title: 'Plan',
  snippet: 'the plan',
  matches: [[4, 8]],
  updatedAt: '2025-01-01T00:00:00.000Z',
}

class Unreachable extends Error {}

/** Backends that record what they were asked. */
function backends(online: boolean, server: () => Promise<SearchResult[]>) {
  const calls = { server: [] as SearchBody[], local: [] as string[] }
  const result: SearchBackends = {
    online: () => online,
    server: (body) => {
      calls.server.push(body)
      return server()
    },
    unreachable: (error) => error instanceof Unreachable,
    local: (query) => {
      calls.local.push(query)
      return Promise.resolve([{ ...found, id: 'local-copy' }])
    },
  }
  return { calls, backends: result }
}

describe('searchLinks', () => {
  it('sends the recent list newest first, without dead links or repeats', () => {
    const list = [
      recent('older', 10),
      recent('dead', 40, { dead: 'gone', unsaved: true }),
      recent('newest', 30),
      recent('older', 5),
      recent('middle', 20),
    ]
    expect(searchLinks(list)).toEqual(['newest', 'middle', 'older'])
  })

  it(`sends at most ${MAX_SEARCH_LINKS} links, the most recent`, () => {
    const list = Array.from({ length: MAX_SEARCH_LINKS + 20 }, (_, i) => recent(`doc-${i}`, i))
    const links = searchLinks(list)
    expect(links).toHaveLength(MAX_SEARCH_LINKS)
    expect(links[0]).toBe(`doc-${MAX_SEARCH_LINKS + 19}`)
    expect(links).not.toContain('doc-0')
  })
})

describe('searchRequest', () => {
  it('trims the query and sends the links', () => {
    expect(searchRequest('  harbour town ', [recent('abc', 1)])).toEqual({
      q: 'harbour town',
      links: ['abc'],
    })
  })

  it('asks nothing without a word to search or a link to search in', () => {
    expect(searchRequest(' -*" ', [recent('abc', 1)])).toBeUndefined()
    expect(searchRequest('plan', [])).toBeUndefined()
    expect(searchRequest('plan', [recent('abc', 1, { dead: 'reset' })])).toBeUndefined()
  })

  it(`cuts a long query to ${MAX_SEARCH_QUERY_LENGTH} characters, never half an emoji`, () => {
    expect(cutQuery('a'.repeat(300))).toHaveLength(MAX_SEARCH_QUERY_LENGTH)
    const emojiAtCut = `${'a'.repeat(MAX_SEARCH_QUERY_LENGTH - 1)}😀tail`
    expect(cutQuery(emojiAtCut)).toBe('a'.repeat(MAX_SEARCH_QUERY_LENGTH - 1))
  })
})

describe('runSearch', () => {
  const list = [recent('doc-a', 2), recent('doc-b', 1)]

  it('asks the server when online', async () => {
    const { calls, backends: b } = backends(true, () => Promise.resolve([found]))
    const outcome = await runSearch(' plan ', list, new AbortController().signal, b)
    expect(outcome).toEqual({ source: 'server', results: [found] })
    expect(calls.server).toEqual([{ q: 'plan', links: ['doc-a', 'doc-b'] }])
    expect(calls.local).toEqual([])
  })

  it('searches the local copies when offline, without asking the server', async () => {
    const { calls, backends: b } = backends(false, () => Promise.resolve([found]))
    const outcome = await runSearch('plan', list, new AbortController().signal, b)
    expect(outcome.source).toBe('local')
    expect(outcome.results.map((r) => r.id)).toEqual(['local-copy'])
    expect(calls.server).toEqual([])
    expect(calls.local).toEqual(['plan'])
  })

  it('searches the local copies when the server cannot be reached', async () => {
    const { calls, backends: b } = backends(true, () => Promise.reject(new Unreachable('down')))
    const outcome = await runSearch('plan', list, new AbortController().signal, b)
    expect(outcome.source).toBe('local')
    expect(calls.local).toEqual(['plan'])
  })

  it('passes on a refusal from the server (rate limited) rather than searching locally', async () => {
    const refusal = new Error('Too many searches. Try again in a moment.')
    const { calls, backends: b } = backends(true, () => Promise.reject(refusal))
    await expect(runSearch('plan', list, new AbortController().signal, b)).rejects.toBe(refusal)
    expect(calls.local).toEqual([])
  })

  it('does not fall back to the local copies once aborted', async () => {
    const controller = new AbortController()
    const { calls, backends: b } = backends(true, () => {
      controller.abort()
      return Promise.reject(new Unreachable('aborted'))
    })
    await expect(runSearch('plan', list, controller.signal, b)).rejects.toBeInstanceOf(Unreachable)
    expect(calls.local).toEqual([])
  })
})
