import { searchTerms } from '@tandem/shared'
import { expect, test } from 'vitest'
import type { DocumentStore, SearchHit } from '../src/storage/DocumentStore.js'
import type { StoreUnderTest } from './storeContract.js'

/** Creates document `docId` and indexes `title` and `body` for it. */
async function indexed(store: DocumentStore, docId: string, title: string, body: string) {
  await store.createDocument(docId, [])
  await store.indexText([{ docId, title, body }])
}

/** The ids of the hits, in order. */
const ids = (hits: readonly SearchHit[]) => hits.map((hit) => hit.docId)

/** Searches `docIds` for the words of `query`, as the search route does. */
const find = (store: DocumentStore, docIds: readonly string[], query: string, limit = 50) =>
  store.search(docIds, searchTerms(query), limit).then(ids)

/**
 * The search part of the storage contract: link lookup in bulk, the text index and its queries.
 * Called inside the store's contract suite with its `open`, which closes what it opened.
 */
export function searchContract(open: () => Promise<StoreUnderTest>): void {
  test('resolveLinks returns what known tokens grant; unknown and revoked ones are left out', async () => {
    const { store } = await open()
    await store.createDocument('a', [
      { token: 'a-edit', role: 'edit' },
      { token: 'a-view', role: 'view' },
    ])
    await store.createDocument('b', [{ token: 'b-view', role: 'view' }])
    const byToken = (grants: { token: string }[]) =>
      [...grants].sort((x, y) => x.token.localeCompare(y.token))
    expect(byToken(await store.resolveLinks(['b-view', 'nope', 'a-edit', 'a-edit']))).toEqual([
      { token: 'a-edit', docId: 'a', role: 'edit' },
      { token: 'b-view', docId: 'b', role: 'view' },
    ])
    await store.rotateLink('a', 'view', 'a-view-2')
    expect(await store.resolveLinks(['a-view', 'a-view-2'])).toEqual([
      { token: 'a-view-2', docId: 'a', role: 'view' },
    ])
    expect(await store.resolveLinks([])).toEqual([])
    await store.delete('b')
    expect(await store.resolveLinks(['b-view'])).toEqual([])
  })

  test('indexed text is found by a word of its title or of its body, with its text', async () => {
    const { store } = await open()
    await indexed(store, 'budget', 'Quarterly budget', 'Numbers for the finance team')
    await indexed(store, 'trip', 'Holiday plans', 'Beach in the morning\nMountains after')
    const both = ['budget', 'trip']
    expect(await find(store, both, 'budget')).toEqual(['budget'])
    expect(await find(store, both, 'finance')).toEqual(['budget'])
    expect(await find(store, both, 'mountains')).toEqual(['trip'])
    expect(await find(store, both, 'volcano')).toEqual([])
    const [hit] = await store.search(both, ['beach'], 10)
    const meta = await store.getMeta('trip')
    expect(hit).toEqual({
      docId: 'trip',
      title: 'Holiday plans',
      body: 'Beach in the morning\nMountains after',
      updatedAt: meta?.updatedAt,
    })
  })

  test('words match by prefix and by stem, and every word must match', async () => {
    const { store } = await open()
    await indexed(store, 'collab', 'Notes', 'Real-time collaboration between editors')
    await indexed(store, 'runner', 'Diary', 'She runs every morning before work')
    await indexed(store, 'other', 'Other', 'Nothing to see here')
    const all = ['collab', 'runner', 'other']
    expect(await find(store, all, 'collab')).toEqual(['collab'])
    expect(await find(store, all, 'running')).toEqual(['runner'])
    expect(await find(store, all, 'morning runs')).toEqual(['runner'])
    expect(await find(store, all, 'morning collaboration')).toEqual([])
    expect(await find(store, all, 'editors collaboration real')).toEqual(['collab'])
  })

  test('a title match ranks above a body match; equal matches, the newest first', async () => {
    const { store } = await open()
    await indexed(store, 'in-body', 'Misc', 'Some gardening tips for spring')
    await indexed(store, 'in-title', 'Gardening', 'Some general tips for spring')
    expect(await find(store, ['in-body', 'in-title'], 'gardening')).toEqual(['in-title', 'in-body'])
    await indexed(store, 'older', 'Twin', 'Identical text in both')
    await indexed(store, 'newer', 'Twin', 'Identical text in both')
    const twins = ['newer', 'older']
    // An edit makes `older` the most recently updated of the two.
    const before = (await store.getMeta('newer'))?.updatedAt ?? 0
    await expect.poll(() => Date.now()).toBeGreaterThan(before)
    await store.append('older', new Uint8Array([1]))
    expect((await store.getMeta('older'))?.updatedAt).toBeGreaterThan(before)
    expect(await find(store, twins, 'identical')).toEqual(['older', 'newer'])
  })

  test('only the documents asked for are searched, and at most `limit` are returned', async () => {
    const { store } = await open()
    for (let i = 1; i <= 5; i++) await indexed(store, `d${i}`, `Report ${i}`, 'Shared words')
    expect((await find(store, ['d1', 'd2', 'd3', 'd4', 'd5'], 'shared')).sort()).toEqual([
      'd1',
      'd2',
      'd3',
      'd4',
      'd5',
    ])
    expect((await find(store, ['d2', 'd4', 'missing'], 'shared')).sort()).toEqual(['d2', 'd4'])
    const three = await find(store, ['d1', 'd2', 'd3', 'd4', 'd5'], 'shared', 3)
    expect(three).toHaveLength(3)
    expect(new Set(three).size).toBe(3)
    expect(await find(store, ['d1'], 'report', 0)).toEqual([])
    expect(await find(store, [], 'shared')).toEqual([])
    expect(await store.search(['d1'], [], 10)).toEqual([])
  })

  test('indexing again replaces the text: old words no longer match', async () => {
    const { store } = await open()
    await indexed(store, 'd', 'Zebra facts', 'Stripes everywhere')
    expect(await find(store, ['d'], 'stripes')).toEqual(['d'])
    await store.indexText([{ docId: 'd', title: 'Giraffe facts', body: 'Long necks' }])
    expect(await find(store, ['d'], 'zebra')).toEqual([])
    expect(await find(store, ['d'], 'stripes')).toEqual([])
    const [hit] = await store.search(['d'], ['neck'], 10)
    expect(hit).toMatchObject({ docId: 'd', title: 'Giraffe facts', body: 'Long necks' })
    // Several entries for one document in one call: the last one counts.
    await store.indexText([
      { docId: 'd', title: 'First', body: 'apples' },
      { docId: 'd', title: 'Second', body: 'pears' },
    ])
    expect(await find(store, ['d'], 'apples')).toEqual([])
    expect(await find(store, ['d'], 'pears')).toEqual(['d'])
  })

  test('text for a document that does not exist (any more) is skipped, not an error', async () => {
    const { store } = await open()
    await store.createDocument('gone', [])
    await store.delete('gone')
    await store.createDocument('kept', [])
    await store.indexText([
      { docId: 'gone', title: 'Ghost', body: 'boo' },
      { docId: 'never', title: 'Ghost', body: 'boo' },
      { docId: 'kept', title: 'Ghost', body: 'boo' },
    ])
    expect(await find(store, ['gone', 'never', 'kept'], 'ghost')).toEqual(['kept'])
    expect(await store.getMeta('gone')).toBeUndefined()
    expect(await store.getMeta('never')).toBeUndefined()
    expect(await store.unindexed(10)).toEqual([])
  })

  test('deleting a document deletes its indexed text', async () => {
    const { store } = await open()
    await indexed(store, 'd', 'Unicorn', 'Sparkles')
    await store.delete('d')
    expect(await find(store, ['d'], 'unicorn')).toEqual([])
    // Made again under the same id, it starts with empty text.
    await store.createDocument('d', [])
    expect(await find(store, ['d'], 'unicorn')).toEqual([])
    expect(await find(store, ['d'], 'sparkles')).toEqual([])
    expect(await store.unindexed(10)).toEqual([])
  })

  test('unindexed lists the documents without indexed text until they are indexed', async (ctx) => {
    const sut = await open()
    const { store } = sut
    if (!sut.dropIndexRow) {
      ctx.skip('this store cannot simulate a document stored before the index')
      return
    }
    await store.createDocument('old1', [])
    await store.createDocument('old2', [])
    await store.createDocument('new', [])
    // Created documents start indexed, with empty text.
    expect(await store.unindexed(10)).toEqual([])
    await sut.dropIndexRow('old1')
    await sut.dropIndexRow('old2')
    expect((await store.unindexed(10)).sort()).toEqual(['old1', 'old2'])
    expect(await store.unindexed(1)).toHaveLength(1)
    expect(await find(store, ['old1'], 'anything')).toEqual([])
    await store.indexText([{ docId: 'old1', title: 'Backfilled', body: 'at last' }])
    expect(await store.unindexed(10)).toEqual(['old2'])
    expect(await find(store, ['old1', 'old2', 'new'], 'backfilled')).toEqual(['old1'])
    await store.delete('old2')
    expect(await store.unindexed(10)).toEqual([])
  })

  test('query syntax in the words is only words: no operator, no error', async () => {
    const { store } = await open()
    const query = '"quoted" NEAR(a b) foo* -bar OR col:x'
    await indexed(store, 'plain', 'Plain', 'Nothing special in here at all')
    await indexed(store, 'some', 'Some', 'quoted foo bar')
    await indexed(store, 'every', 'Every', 'quoted near a b foo bar or col x')
    const all = ['plain', 'some', 'every']
    expect(await find(store, all, query)).toEqual(['every'])
    expect((await find(store, all, 'foo* -bar')).sort()).toEqual(['every', 'some'])
    expect(await find(store, all, 'NEAR(quoted')).toEqual(['every'])
  })

  test('diacritics and case fold, in any script', async () => {
    const { store } = await open()
    await indexed(store, 'fr', 'Café crème', 'Une idée naïve')
    await indexed(store, 'el', 'Ελληνικά', 'Καλημέρα κόσμε')
    await indexed(store, 'ko', '한국어 문서', '안녕하세요 세계')
    const all = ['fr', 'el', 'ko']
    expect(await find(store, all, 'cafe')).toEqual(['fr'])
    expect(await find(store, all, 'CAFÉ naive')).toEqual(['fr'])
    expect(await find(store, all, 'ελληνικα')).toEqual(['el'])
    expect(await find(store, all, 'Καλημέρα')).toEqual(['el'])
    expect(await find(store, all, '한국어')).toEqual(['ko'])
    expect(await find(store, all, '세계')).toEqual(['ko'])
  })

  test('a body too long for an index to hold is indexed without error', async () => {
    const { store } = await open()
    // Distinct hyphenated words of three CJK characters: the word and both halves are lexemes,
    // the most index per character measured (a PostgreSQL tsvector holds at most 1 MB).
    const cjk = (n: number) => String.fromCharCode(0x4e00 + (n % 20_000))
    const words = Array.from({ length: 50_000 }, (_, i) => {
      const high = Math.floor(i / 20_000)
      return `${cjk(i)}${cjk(high)}${cjk(i * 7)}-${cjk(i * 3)}${cjk(i * 11)}${cjk(high)}`
    })
    await store.createDocument('huge', [])
    await store.indexText([{ docId: 'huge', title: 'Huge', body: `needle ${words.join(' ')}` }])
    expect(await find(store, ['huge'], 'needle')).toEqual(['huge'])
  })

  test('indexed text survives a reopen', async (ctx) => {
    const sut = await open()
    if (!sut.reopen) {
      ctx.skip('this store keeps nothing across a reopen by design')
      return
    }
    await indexed(sut.store, 'd', 'Durable', 'Written to disk')
    const again = await sut.reopen()
    expect(await find(again, ['d'], 'durable disk')).toEqual(['d'])
  })
}
