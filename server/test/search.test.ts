import path from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import {
  ApiErrorCode,
  DocumentFields,
  MAX_SEARCH_LINKS,
  MAX_SEARCH_QUERY_LENGTH,
  type ApiError,
  type CreatedDocument,
  type RotatedLink,
  type SearchResults,
} from '@tandem/shared'
import { connect, synced, tempDir, useServers, waitFor, type TestServer } from './helpers.js'

const server = useServers()

async function importDoc(
  s: TestServer,
  markdown: string,
  title?: string,
): Promise<CreatedDocument> {
  const res = await fetch(`${s.http}/api/docs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ markdown, ...(title === undefined ? {} : { title }) }),
  })
  expect(res.status).toBe(201)
  return (await res.json()) as CreatedDocument
}

function searchRequest(s: TestServer, body: unknown): Promise<Response> {
  return fetch(`${s.http}/api/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

async function search(
  s: TestServer,
  q: string,
  links: string[],
): Promise<SearchResults['results']> {
  const res = await searchRequest(s, { q, links })
  expect(res.status).toBe(200)
  return ((await res.json()) as SearchResults).results
}

/** The words of a result's snippet that its `matches` mark. */
function marked(result: SearchResults['results'][number]): string[] {
  return result.matches.map(([start, end]) => result.snippet.slice(start, end))
}

/** Replaces the rich text of `doc` with one paragraph holding `text`, as the editor would. */
function writeParagraph(doc: Y.Doc, text: string): void {
  const fragment = doc.getXmlFragment(DocumentFields.content)
  doc.transact(() => {
    fragment.delete(0, fragment.length)
    const paragraph = new Y.XmlElement('paragraph')
    paragraph.insert(0, [new Y.XmlText(text)])
    fragment.insert(0, [paragraph])
  })
}

describe('POST /api/search', () => {
  test('finds documents by title and body words, names the link sent, and marks the words', async () => {
    const s = await server()
    const plan = await importDoc(s, 'We ship the **harbour** release on Friday.', 'Quarterly plan')
    const notes = await importDoc(s, '# Meeting notes\n\nThe plan was agreed by everyone.')
    const other = await importDoc(s, 'Nothing relevant here.', 'Groceries')

    const results = await search(s, 'plan', [plan.id, notes.viewId, other.id])
    // The title match ranks first; the link named is the one sent, never the internal id.
    expect(results.map((r) => r.id)).toEqual([plan.id, notes.viewId])
    expect(results[0]?.title).toBe('Quarterly plan')
    expect(results[1]?.title).toBe('Meeting notes')
    expect(results[1]?.snippet).toBe('The plan was agreed by everyone.')
    expect(marked(results[1]!)).toEqual(['plan'])
    expect(Number.isNaN(Date.parse(results[0]!.updatedAt))).toBe(false)

    const body = await search(s, 'HARBOUR', [plan.id, notes.id])
    expect(body.map((r) => r.id)).toEqual([plan.id])
    expect(body[0]?.snippet).toBe('We ship the harbour release on Friday.')
    expect(marked(body[0]!)).toEqual(['harbour'])
  })

  test('matches by prefix and by stem, and every word must match', async () => {
    const s = await server()
    const doc = await importDoc(s, 'Real-time collaboration: she runs the editing sessions.')
    expect(await search(s, 'collab', [doc.id])).toHaveLength(1)
    const stemmed = await search(s, 'running', [doc.id])
    expect(stemmed).toHaveLength(1)
    expect(marked(stemmed[0]!)).toEqual(['runs'])
    expect(await search(s, 'collab sessions', [doc.id])).toHaveLength(1)
    expect(await search(s, 'collab penguins', [doc.id])).toHaveLength(0)
  })

  test('only the documents of the links sent are searched, and a rotated link finds nothing', async () => {
    const s = await server()
    const mine = await importDoc(s, 'The zephyr blows from the west.')
    const theirs = await importDoc(s, 'A zephyr is a gentle breeze.')

    expect((await search(s, 'zephyr', [mine.id])).map((r) => r.id)).toEqual([mine.id])
    expect(await search(s, 'zephyr', [])).toEqual([])

    const res = await fetch(`${s.http}/api/docs/${mine.id}/links/edit/rotate`, { method: 'POST' })
    expect(res.status).toBe(200)
    const rotated = (await res.json()) as RotatedLink
    expect(await search(s, 'zephyr', [mine.id])).toEqual([])
    expect(
      (await search(s, 'zephyr', [rotated.id, theirs.viewId])).map((r) => r.id).sort(),
    ).toEqual([rotated.id, theirs.viewId].sort())
    // Two links of one document: it appears once, under the one that can edit.
    const both = await search(s, 'zephyr', [mine.viewId, rotated.id])
    expect(both.map((r) => r.id)).toEqual([rotated.id])
  })

  test('an edit is findable within 5 s, again and again while the document stays open', async () => {
    const s = await server()
    const id = (await importDoc(s, 'Draft.')).id
    const client = connect(s.ws, id)
    await synced(client)

    writeParagraph(client.doc, 'A pelican flew over the harbour.')
    await waitFor(async () => (await search(s, 'pelican', [id])).length === 1, {
      timeoutMs: 5_000,
      what: 'the first edit to be findable',
    })
    // Still open: the next edit is found too, and the replaced words are gone.
    writeParagraph(client.doc, 'Flamingos stood in the lagoon.')
    await waitFor(async () => (await search(s, 'flamingo', [id])).length === 1, {
      timeoutMs: 5_000,
      what: 'the second edit to be findable',
    })
    expect(await search(s, 'pelican', [id])).toEqual([])
  })

  test('documents stored before the index existed are indexed when the server starts', async () => {
    const dataDir = await tempDir()
    const first = await server({ DATA_DIR: dataDir })
    const doc = await importDoc(first, 'Notes about the aardvark enclosure.', 'Zoo')
    await first.close()
    // As a database from before search: no indexed text for the document.
    const db = new Database(path.join(dataDir, 'tandem.db'))
    db.prepare('DELETE FROM doc_text_index').run()
    db.prepare('DELETE FROM doc_text').run()
    db.close()

    const second = await server({ DATA_DIR: dataDir })
    await waitFor(async () => (await search(second, 'aardvark', [doc.id])).length === 1, {
      timeoutMs: 5_000,
      what: 'the stored document to be indexed',
    })
    expect((await search(second, 'zoo', [doc.id]))[0]?.title).toBe('Zoo')
  })

  test('a deleted document is no longer found', async () => {
    const s = await server()
    const doc = await importDoc(s, 'Ephemeral words about marmalade.')
    expect(await search(s, 'marmalade', [doc.id])).toHaveLength(1)
    const { store } = s.app.tandem
    const grant = await store.resolveLink(doc.id)
    await store.delete(grant!.docId)
    expect(await search(s, 'marmalade', [doc.id])).toEqual([])
  })

  test('query syntax is only words: it cannot break the query or widen it', async () => {
    const s = await server()
    const sent = await importDoc(s, 'The quick brown fox jumps over the lazy dog.')
    const notSent = await importDoc(s, 'The quick brown fox naps.')
    const links = [sent.id]
    const queries = [
      '"quick',
      'quick"',
      '"quick brown"',
      'quick NEAR brown',
      'NEAR(quick brown, 2)',
      'qui*',
      '*',
      '-lazy',
      'quick -lazy',
      'quick OR cat',
      'quick AND NOT lazy',
      'body:quick',
      '{title body}: quick',
      '^quick',
      'quick & | ! brown:*',
      "'); DROP TABLE documents; --",
      '\u0000 quick',
    ]
    for (const q of queries) {
      const res = await searchRequest(s, { q, links })
      expect(res.status, q).toBe(200)
      const { results } = (await res.json()) as SearchResults
      for (const result of results) expect(result.id, q).toBe(sent.id)
    }
    // The operators are words: "-lazy" finds the document with "lazy" (no NOT), and "quick OR
    // cat" needs both words (no OR).
    expect(await search(s, '-lazy', links)).toHaveLength(1)
    expect(await search(s, 'quick OR cat', links)).toEqual([])
    expect(await search(s, '*', links)).toEqual([])
    // The table is still there.
    expect(await search(s, 'quick', [sent.id, notSent.id])).toHaveLength(2)
  })

  test('bad requests are 400 with a message', async () => {
    const s = await server()
    const doc = await importDoc(s, 'Text.')
    const bad = [
      { q: '', links: [doc.id] },
      { q: 'x'.repeat(MAX_SEARCH_QUERY_LENGTH + 1), links: [doc.id] },
      { q: 'text', links: Array.from({ length: MAX_SEARCH_LINKS + 1 }, () => doc.id) },
      { q: 'text', links: ['not a link'] },
      { q: 'text' },
      { links: [doc.id] },
      { q: { text: 'x' }, links: [doc.id] },
    ]
    for (const body of bad) {
      const res = await searchRequest(s, body)
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400)
      const error = (await res.json()) as ApiError
      expect(error.code).toBe(ApiErrorCode.badRequest)
      expect(error.message.length).toBeGreaterThan(0)
    }
    // The longest query and the most links are fine.
    const ok = await searchRequest(s, {
      q: 'x'.repeat(MAX_SEARCH_QUERY_LENGTH),
      links: Array.from({ length: MAX_SEARCH_LINKS }, () => doc.id),
    })
    expect(ok.status).toBe(200)
  })

  test('is rate limited like the rest of the API', async () => {
    const s = await server({ API_RATE_LIMIT_PER_MINUTE: '3' })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++)
      statuses.push((await searchRequest(s, { q: 'x', links: [] })).status)
    expect(statuses).toEqual([200, 200, 200, 429])
  })
})
