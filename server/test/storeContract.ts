import { afterEach, describe, expect, test } from 'vitest'
import type { DocumentStore, NewVersion } from '../src/storage/DocumentStore.js'
import { StoreError } from '../src/storage/errors.js'
import { searchContract } from './storeContract.search.js'

/** A store under test, plus a way to damage one stored record as a disk would. */
export interface StoreUnderTest {
  store: DocumentStore
  /** Flips bytes of the record `seq` of `docId` without updating its checksum. */
  corrupt(docId: string, seq: number): void | Promise<void>
  /** Flips bytes of the body of version `versionId` of `docId` without updating its checksum. */
  corruptVersion(docId: string, versionId: string): void | Promise<void>
  /** Removes a document's search row, as if stored before the index existed (see `unindexed`). */
  dropIndexRow?(docId: string): void | Promise<void>
  /** Closes and reopens the store on the same data, if it persists (undefined for memory). */
  reopen?(): Promise<DocumentStore>
  /** Releases what `make` created besides the store (a database, a directory); always runs. */
  teardown?(): Promise<void>
}

const bytes = (...values: number[]) => new Uint8Array(values)

/** A version to save: `n` marks its bytes, so each one is recognisable when read back. */
const version = (n: number, fields: Partial<NewVersion> = {}): NewVersion => ({
  kind: 'auto',
  name: null,
  createdAt: Date.UTC(2025, 0, 1) + n * 60_000,
  authors: [{ name: `Author ${n}`, color: '#3b82c4' }],
  summary: bytes(n, 1),
  data: bytes(n, 2, 3, 4),
  ...fields,
})

/** The storage contract every DocumentStore implementation must pass. */
export function storeContract(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`store contract: ${name}`, () => {
    // Every store a test opened is closed after it, even when an assertion failed: no leaked
    // writer threads or connections.
    const opened: StoreUnderTest[] = []
    const reopened: DocumentStore[] = []
    afterEach(async () => {
      const closing = opened.splice(0).map(async (sut) => {
        await sut.store.close().catch(() => {})
        await sut.teardown?.()
      })
      await Promise.all([...closing, ...reopened.splice(0).map((s) => s.close().catch(() => {}))])
    })
    const open = async (): Promise<StoreUnderTest> => {
      const sut = await make()
      opened.push(sut)
      const reopen = sut.reopen
      if (!reopen) return sut
      return {
        ...sut,
        reopen: async () => {
          const store = await reopen()
          reopened.push(store)
          return store
        },
      }
    }
    const code = (err: unknown) => (err instanceof StoreError ? err.code : err)

    searchContract(open)

    test('created documents resolve by link token; unknown tokens do not', async () => {
      const { store } = await open()
      await store.createDocument('doc1', [{ token: 'tok-edit', role: 'edit' }])
      expect(await store.resolveLink('tok-edit')).toEqual({
        token: 'tok-edit',
        docId: 'doc1',
        role: 'edit',
      })
      expect(await store.resolveLink('nope')).toBeUndefined()
      const duplicate = await store.createDocument('doc1', []).catch(code)
      expect(duplicate).toBe('exists')
      const takenToken = await store
        .createDocument('doc2', [{ token: 'tok-edit', role: 'edit' }])
        .catch(code)
      expect(takenToken).toBe('exists')
      const meta = await store.getMeta('doc1')
      expect(meta?.sizeBytes).toBe(0)
      expect(await store.getMeta('missing')).toBeUndefined()
    })

    test('rotating a link replaces its token; the other role is untouched', async () => {
      const { store } = await open()
      await store.createDocument('doc1', [
        { token: 'edit-1', role: 'edit' },
        { token: 'view-1', role: 'view' },
      ])
      expect(await store.rotateLink('doc1', 'view', 'view-2')).toEqual(['view-1'])
      expect(await store.resolveLink('view-1')).toBeUndefined()
      expect((await store.resolveLink('view-2'))?.role).toBe('view')
      expect((await store.resolveLink('edit-1'))?.role).toBe('edit')
      const links = await store.linksOf('doc1')
      expect(links.map((l) => l.token).sort()).toEqual(['edit-1', 'view-2'])
    })

    test('appends of one tick share a batch and load back in order', async () => {
      const { store } = await open()
      await store.createDocument('d', [])
      const seqs = await Promise.all([1, 2, 3, 4].map((i) => store.append('d', bytes(i, i))))
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
      expect(new Set(seqs).size).toBe(4)
      const loaded = await store.load('d')
      expect(loaded.snapshot).toBeUndefined()
      expect(loaded.updates.map((u) => [...u.data])).toEqual([
        [1, 1],
        [2, 2],
        [3, 3],
        [4, 4],
      ])
      expect((await store.getMeta('d'))?.sizeBytes).toBe(8)
    })

    test('appends to different documents in one tick stay separate', async () => {
      const { store } = await open()
      await store.createDocument('a', [])
      await store.createDocument('b', [])
      await Promise.all([store.append('a', bytes(1)), store.append('b', bytes(2))])
      expect((await store.load('a')).updates.map((u) => [...u.data])).toEqual([[1]])
      expect((await store.load('b')).updates.map((u) => [...u.data])).toEqual([[2]])
    })

    test('compaction replaces covered records with the snapshot; later appends follow it', async () => {
      const { store } = await open()
      await store.createDocument('d', [])
      await store.append('d', bytes(1))
      const second = await store.append('d', bytes(2))
      await store.compact('d', bytes(9, 9, 9), second)
      const third = await store.append('d', bytes(3))
      expect(third).toBeGreaterThan(second)
      const loaded = await store.load('d')
      expect([...(loaded.snapshot?.data ?? [])]).toEqual([9, 9, 9])
      expect(loaded.snapshot?.uptoSeq).toBe(second)
      expect(loaded.updates.map((u) => [...u.data])).toEqual([[3]])
      expect((await store.getMeta('d'))?.sizeBytes).toBe(4)
    })

    test('a stale compaction (not past the stored snapshot) changes nothing', async () => {
      const { store } = await open()
      await store.createDocument('d', [])
      const first = await store.append('d', bytes(1))
      const second = await store.append('d', bytes(2))
      await store.compact('d', bytes(8, 8), second)
      await store.compact('d', bytes(7), first)
      await store.compact('d', bytes(6), second)
      const loaded = await store.load('d')
      expect([...(loaded.snapshot?.data ?? [])]).toEqual([8, 8])
      expect(loaded.snapshot?.uptoSeq).toBe(second)
      expect(loaded.updates).toEqual([])
    })

    test('readSince returns what a reader at a position lacks, with the head', async () => {
      const { store } = await open()
      await store.createDocument('d', [])
      const s1 = await store.append('d', bytes(1))
      const s2 = await store.append('d', bytes(2))
      const s3 = await store.append('d', bytes(3))
      const tail = await store.readSince('d', s1)
      expect(tail.snapshot).toBeUndefined()
      expect(tail.updates.map((u) => [u.seq, ...u.data])).toEqual([
        [s2, 2],
        [s3, 3],
      ])
      expect(tail.head).toBe(s3)
      await store.compact('d', bytes(9), s2)
      // A reader behind the snapshot gets it; one past it gets only the log after its position.
      const behind = await store.readSince('d', s1)
      expect(behind.snapshot?.uptoSeq).toBe(s2)
      expect(behind.updates.map((u) => u.seq)).toEqual([s3])
      const ahead = await store.readSince('d', s2)
      expect(ahead.snapshot).toBeUndefined()
      expect(ahead.updates.map((u) => u.seq)).toEqual([s3])
      expect((await store.readSince('d', s3)).updates).toEqual([])
      expect((await store.load('d')).head).toBe(s3)
    })

    test('heads reports the last seq of each existing document in one call', async () => {
      const { store } = await open()
      await store.createDocument('a', [])
      await store.createDocument('b', [])
      const a = await store.append('a', bytes(1))
      const heads = await store.heads(['a', 'b', 'missing'])
      expect(Object.fromEntries(heads)).toEqual({ a, b: 0 })
    })

    test('a record failing its checksum is quarantined and the rest still loads', async () => {
      const sut = await open()
      const { store } = sut
      await store.createDocument('d', [])
      const seqs = await Promise.all([1, 2, 3].map((i) => store.append('d', bytes(i, i, i))))
      await sut.corrupt('d', seqs[1] as number)
      const loaded = await store.load('d')
      expect(loaded.quarantined).toBe(1)
      expect(loaded.updates.map((u) => u.seq)).toEqual([seqs[0], seqs[2]])
      // Quarantined once: the next load is clean.
      expect((await store.load('d')).quarantined).toBe(0)
    })

    test("a quarantined record's seq is never handed out again", async () => {
      const { store } = await open()
      await store.createDocument('d', [])
      await store.append('d', bytes(1))
      const last = await store.append('d', bytes(2))
      await store.quarantine('d', last, 'failed to apply')
      expect(await store.append('d', bytes(3))).toBeGreaterThan(last)
      expect((await store.load('d')).head).toBeGreaterThan(last)
    })

    test('a record can be moved aside explicitly', async () => {
      const { store } = await open()
      await store.createDocument('d', [])
      const seq = await store.append('d', bytes(7))
      await store.append('d', bytes(8))
      await store.quarantine('d', seq, 'failed to apply')
      expect((await store.load('d')).updates.map((u) => [...u.data])).toEqual([[8]])
    })

    test('a snapshot can be moved aside; the log after it still loads', async () => {
      const { store } = await open()
      await store.createDocument('d', [])
      const first = await store.append('d', bytes(1))
      await store.compact('d', bytes(9), first)
      await store.append('d', bytes(2))
      await store.quarantineSnapshot('d', 'failed to apply')
      const loaded = await store.load('d')
      expect(loaded.snapshot).toBeUndefined()
      expect(loaded.updates.map((u) => [...u.data])).toEqual([[2]])
    })

    test('delete removes the document, its log and its links', async () => {
      const { store } = await open()
      await store.createDocument('d', [{ token: 'tok', role: 'edit' }])
      await store.append('d', bytes(1))
      await store.delete('d')
      expect(await store.getMeta('d')).toBeUndefined()
      expect(await store.resolveLink('tok')).toBeUndefined()
      expect((await store.load('d')).updates).toEqual([])
    })

    test('versions list newest first, without their bytes; each reads back exactly', async () => {
      const { store } = await open()
      await store.createDocument('d', [])
      const first = await store.saveVersion('d', version(1))
      const named = await store.saveVersion('d', version(3, { kind: 'named', name: 'Draft' }))
      // Saved later but taken earlier: ordered by when the state was taken.
      const older = await store.saveVersion('d', version(2, { kind: 'restore' }))
      // The same instant as `named`: the one saved later comes first.
      const tie = await store.saveVersion('d', version(4, { createdAt: named.createdAt }))
      expect(first).toEqual({
        id: first.id,
        kind: 'auto',
        name: null,
        createdAt: Date.UTC(2025, 0, 1) + 60_000,
        authors: [{ name: 'Author 1', color: '#3b82c4' }],
      })
      expect(first.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/)
      const listed = await store.listVersions('d')
      expect(listed).toEqual([tie, named, older, first])
      expect(listed.every((v) => !('data' in v) && !('summary' in v))).toBe(true)
      expect(named).toMatchObject({ kind: 'named', name: 'Draft' })
      const read = await store.getVersion('d', named.id)
      expect(read).toEqual({ ...named, summary: bytes(3, 1), data: bytes(3, 2, 3, 4) })
      expect(await store.latestVersion('d')).toEqual({
        ...tie,
        summary: bytes(4, 1),
        data: bytes(4, 2, 3, 4),
      })
      expect(await store.getVersion('d', 'no-such-version')).toBeUndefined()
      await store.createDocument('other', [])
      expect(await store.getVersion('other', named.id)).toBeUndefined()
      expect(await store.listVersions('other')).toEqual([])
      expect(await store.latestVersion('other')).toBeUndefined()
    })

    test('a version of a document that does not exist is not-found', async () => {
      const { store } = await open()
      expect(await store.saveVersion('missing', version(1)).catch(code)).toBe('not-found')
      const author = { clientId: 1, name: 'A', color: '#000000', role: 'edit' as const }
      expect(await store.saveAuthors('missing', [author], { replace: true }).catch(code)).toBe(
        'not-found',
      )
    })

    test('a version failing its checksum is quarantined, never returned', async () => {
      const sut = await open()
      const { store } = sut
      await store.createDocument('d', [])
      const kept = await store.saveVersion('d', version(1))
      const damaged = await store.saveVersion('d', version(2))
      await sut.corruptVersion('d', damaged.id)
      // The newest is damaged: the one before it is the newest intact version.
      expect((await store.latestVersion('d'))?.id).toBe(kept.id)
      expect(await store.getVersion('d', damaged.id)).toBeUndefined()
      expect((await store.listVersions('d')).map((v) => v.id)).toEqual([kept.id])
      const another = await store.saveVersion('d', version(3))
      await sut.corruptVersion('d', another.id)
      expect(await store.getVersion('d', another.id)).toBeUndefined()
      expect((await store.listVersions('d')).map((v) => v.id)).toEqual([kept.id])
      expect((await store.getVersion('d', kept.id))?.data).toEqual(bytes(1, 2, 3, 4))
    })

    test('thinning deletes exactly the versions named', async () => {
      const { store } = await open()
      await store.createDocument('d', [])
      await store.createDocument('e', [])
      const saved = []
      for (let n = 1; n <= 5; n++) saved.push(await store.saveVersion('d', version(n)))
      const elsewhere = await store.saveVersion('e', version(9))
      const [a, b, c, d, e] = saved.map((v) => v.id)
      expect(await store.deleteVersions('d', [b!, d!, 'unknown', elsewhere.id])).toBe(2)
      expect((await store.listVersions('d')).map((v) => v.id)).toEqual([e, c, a])
      expect(await store.getVersion('d', b!)).toBeUndefined()
      expect((await store.listVersions('e')).map((v) => v.id)).toEqual([elsewhere.id])
      expect(await store.deleteVersions('d', [])).toBe(0)
    })

    test('authors: the first recorded stays unless replaced', async () => {
      const { store } = await open()
      await store.createDocument('d', [])
      const alice = {
        clientId: 4_000_000_000,
        name: 'Alice',
        color: '#d94f4f',
        role: 'edit' as const,
      }
      const bob = { clientId: 7, name: 'Bob', color: '#3b82c4', role: 'edit' as const }
      await store.saveAuthors('d', [alice, bob], { replace: false })
      await store.saveAuthors('d', [{ ...alice, name: 'Mallory' }], { replace: false })
      const byId = async () =>
        Object.fromEntries((await store.authorsOf('d')).map((a) => [a.clientId, a]))
      expect(await byId()).toEqual({ 4000000000: alice, 7: bob })
      await store.saveAuthors('d', [{ ...bob, name: 'Robert', color: '#4f9d52' }], {
        replace: true,
      })
      expect((await byId())[7]).toEqual({ ...bob, name: 'Robert', color: '#4f9d52' })
      expect(await store.authorsOf('unknown')).toEqual([])
    })

    test('deleting a document deletes its versions and authors', async () => {
      const { store } = await open()
      await store.createDocument('d', [])
      const saved = await store.saveVersion('d', version(1))
      await store.saveAuthors('d', [{ clientId: 1, name: 'A', color: '#000000', role: 'edit' }], {
        replace: false,
      })
      await store.delete('d')
      expect(await store.listVersions('d')).toEqual([])
      expect(await store.getVersion('d', saved.id)).toBeUndefined()
      expect(await store.authorsOf('d')).toEqual([])
      // A document made again under the same id starts without history.
      await store.createDocument('d', [])
      expect(await store.listVersions('d')).toEqual([])
      expect(await store.authorsOf('d')).toEqual([])
    })

    test('what was acknowledged survives a reopen', async (ctx) => {
      const sut = await open()
      if (!sut.reopen) {
        ctx.skip(`${name} keeps nothing across a reopen by design`)
        return
      }
      await sut.store.createDocument('d', [{ token: 't', role: 'edit' }])
      await sut.store.append('d', bytes(5, 5))
      const saved = await sut.store.saveVersion('d', version(1, { kind: 'named', name: 'Kept' }))
      const author = { clientId: 12, name: 'Ann', color: '#2a9d8f', role: 'edit' as const }
      await sut.store.saveAuthors('d', [author], { replace: false })
      const again = await sut.reopen()
      expect((await again.load('d')).updates.map((u) => [...u.data])).toEqual([[5, 5]])
      expect((await again.resolveLink('t'))?.docId).toBe('d')
      expect(await again.listVersions('d')).toEqual([saved])
      expect((await again.getVersion('d', saved.id))?.data).toEqual(bytes(1, 2, 3, 4))
      expect(await again.authorsOf('d')).toEqual([author])
    })

    test('ping resolves while the store is open', async () => {
      const { store } = await open()
      await expect(store.ping()).resolves.toBeUndefined()
    })

    test('rotating a link of an unknown document is not-found', async () => {
      const { store } = await open()
      expect(await store.rotateLink('missing', 'view', 'new-token').catch(code)).toBe('not-found')
    })

    test('a closed store refuses work with closed', async () => {
      const { store } = await open()
      await store.createDocument('d', [{ token: 'tok', role: 'edit' }])
      await store.close()
      expect(await store.append('d', bytes(1)).catch(code)).toBe('closed')
      expect(await store.createDocument('e', []).catch(code)).toBe('closed')
      expect(await store.resolveLink('tok').catch(code)).toBe('closed')
      expect(await store.saveVersion('d', version(1)).catch(code)).toBe('closed')
      expect(await store.listVersions('d').catch(code)).toBe('closed')
    })
  })
}
