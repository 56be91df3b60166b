import type * as Y from 'yjs'
import { describe, expect, test } from 'vitest'
import { DocumentFields } from '@tandem/shared'
import { LocalFanOutHub } from '../src/fanout/LocalFanOut.js'
import { MemoryStore } from '../src/storage/MemoryStore.js'
import { metric, useServers, waitFor } from './helpers.js'
import {
  ALICE,
  BOB,
  VERSION_TEST_ENV,
  committed,
  create,
  detail,
  name,
  person,
  restore,
  shown,
  versionDoc,
  versions,
  writeRich,
} from './versionApi.js'

const server = useServers(VERSION_TEST_ENV)

describe('restoring a version', () => {
  test('restoring reaches everyone connected, live, as one edit, title included', async () => {
    const s = await server()
    const doc = await create(s)
    const alice = await person(s, doc.id, ALICE)
    const bob = await person(s, doc.id, BOB)
    writeRich(alice, 'Original title', 'the good paragraph')
    await waitFor(() => shown(bob.doc).body === shown(alice.doc).body)
    const good = await name(s, doc.id, 'Good')
    const goodContent = shown(alice.doc)
    writeRich(bob, 'VANDALISED', 'spam spam spam')
    bob.doc.getXmlFragment(DocumentFields.content).delete(0, 1)
    await waitFor(() => JSON.stringify(shown(alice.doc)) === JSON.stringify(shown(bob.doc)))
    expect(shown(alice.doc).title).toBe('VANDALISED')
    const updatesBefore = await metric(s, 'tandem_updates_in_total')
    const aliceUpdates: number[] = []
    alice.doc.on('update', () => aliceUpdates.push(1))

    const result = await restore(s, doc.id, good.id)

    expect(result.restored).toEqual(good)
    await waitFor(() => shown(alice.doc).title === goodContent.title, { what: 'restore at Alice' })
    await waitFor(() => shown(bob.doc).title === goodContent.title, { what: 'restore at Bob' })
    expect(shown(alice.doc)).toEqual(goodContent)
    expect(shown(bob.doc)).toEqual(goodContent)
    // One update reached Alice; nothing a client sent was counted (the server wrote it).
    expect(aliceUpdates).toHaveLength(1)
    expect(await metric(s, 'tandem_updates_in_total')).toBe(updatesBefore)
    // It is stored like any edit: a client joining now gets it.
    const late = await person(s, doc.id)
    expect(shown(late.doc)).toEqual(goodContent)
  })
  test('the state before a restore is saved first as a restore version, so a restore can be undone', async () => {
    const s = await server()
    const doc = await create(s)
    const alice = await person(s, doc.id, ALICE)
    alice.text.insert(0, 'version one')
    await committed(s, 1)
    const one = await name(s, doc.id, 'One')
    alice.text.insert(alice.text.length, ', then much better')
    await committed(s, 2)
    const better = alice.text.toString()

    const { before } = await restore(s, doc.id, one.id)
    expect(before).toMatchObject({ kind: 'restore', name: null })
    const listed = await versions(s, doc.id)
    expect(listed.map((v) => v.id)).toEqual([before.id, one.id])
    expect(shown(versionDoc(await detail(s, doc.id, before.id))).text).toBe(better)
    await waitFor(() => alice.text.toString() === 'version one', { what: 'the restore' })

    // Restoring the restore version undoes the restore, after saving the state before it.
    const undo = await restore(s, doc.id, before.id)
    await waitFor(() => alice.text.toString() === better, { what: 'the undo' })
    expect(shown(versionDoc(await detail(s, doc.id, undo.before.id))).text).toBe('version one')
    expect((await versions(s, doc.id)).map((v) => v.kind)).toEqual(['restore', 'restore', 'named'])
  })
  test("an offline client's edits merge on top of a restore when it reconnects", async () => {
    const s = await server()
    const doc = await create(s)
    const alice = await person(s, doc.id, ALICE)
    alice.text.insert(0, 'one two')
    writeRich(alice, 'Title one', 'paragraph one')
    await committed(s, 2)
    const one = await name(s, doc.id, 'One')
    const carol = await person(s, doc.id, { name: 'Carol', color: '#4f9d52' })
    await waitFor(() => carol.text.toString() === 'one two')
    carol.provider.disconnect()
    // Offline: Carol edits text that the version also has.
    carol.text.insert(4, 'OFFLINE ')
    const carolParagraph = carol.doc.getXmlFragment(DocumentFields.content).get(0) as Y.XmlElement
    ;(carolParagraph.get(0) as Y.XmlText).insert(0, 'Carol: ')
    // Meanwhile online: more edits, then the restore.
    alice.text.insert(alice.text.length, ' three')
    writeRich(alice, 'Title two', 'paragraph two')
    await committed(s, 4)
    await restore(s, doc.id, one.id)
    await waitFor(() => alice.text.toString() === 'one two', { what: 'the restore' })

    carol.provider.connect()
    const expected = {
      title: 'Title one',
      body: '<paragraph>Carol: paragraph one</paragraph>',
      text: 'one OFFLINE two',
    }
    await waitFor(() => shown(alice.doc).text === expected.text, { what: 'the offline edits' })
    await waitFor(() => shown(carol.doc).text === expected.text, { what: 'the restore at Carol' })
    expect(shown(alice.doc)).toEqual(expected)
    expect(shown(carol.doc)).toEqual(expected)
  })
  test('two restores at once end in one converged document: the later one', async () => {
    const s = await server()
    const doc = await create(s)
    const alice = await person(s, doc.id, ALICE)
    const bob = await person(s, doc.id, BOB)
    writeRich(alice, 'First', 'first body')
    await committed(s, 1)
    const first = await name(s, doc.id, 'First')
    const firstContent = shown(alice.doc)
    writeRich(bob, 'Second', 'second body')
    await waitFor(() => shown(alice.doc).title === 'Second')
    const second = await name(s, doc.id, 'Second')
    const secondContent = shown(alice.doc)
    writeRich(alice, 'Third', 'third body')
    await waitFor(() => shown(bob.doc).title === 'Third')

    const thirdContent = shown(alice.doc)

    const results = await Promise.all([restore(s, doc.id, first.id), restore(s, doc.id, second.id)])
    const contentOf = new Map([
      [first.id, firstContent],
      [second.id, secondContent],
    ])
    const befores = await Promise.all(
      results.map(async (r) => shown(versionDoc(await detail(s, doc.id, r.before.id)))),
    )
    // One ran first, on the third state; the other ran on its result, not beside it.
    const laterIndex = befores.findIndex((b) => JSON.stringify(b) !== JSON.stringify(thirdContent))
    expect(laterIndex).toBeGreaterThanOrEqual(0)
    const earlier = results[1 - laterIndex]!
    const later = results[laterIndex]!
    expect(befores[1 - laterIndex]).toEqual(thirdContent)
    expect(befores[laterIndex]).toEqual(contentOf.get(earlier.restored.id))
    const final = contentOf.get(later.restored.id)!
    await waitFor(
      () => shown(alice.doc).title === final.title && shown(bob.doc).title === final.title,
      { what: 'both to converge' },
    )
    expect(shown(alice.doc)).toEqual(final)
    expect(shown(bob.doc)).toEqual(final)
  })
  test('a restore made on one instance reaches people on another', async () => {
    const store = new MemoryStore()
    const hub = new LocalFanOutHub()
    const [one, two] = await Promise.all([
      server({ STORAGE: 'memory' }, { createStore: () => store, fanout: hub.join() }),
      server({ STORAGE: 'memory' }, { createStore: () => store, fanout: hub.join() }),
    ])
    const doc = await create(one)
    const alice = await person(one, doc.id, ALICE)
    const bob = await person(two, doc.id, BOB)
    writeRich(alice, 'Kept', 'kept text')
    await waitFor(() => shown(bob.doc).title === 'Kept')
    const kept = await name(one, doc.id, 'Kept')
    const keptContent = shown(alice.doc)
    writeRich(bob, 'Changed', 'changed text')
    await waitFor(() => shown(alice.doc).title === 'Changed')
    await restore(one, doc.id, kept.id)
    await waitFor(() => shown(bob.doc).title === 'Kept', { what: 'the restore on instance two' })
    expect(shown(bob.doc)).toEqual(keptContent)
    expect(shown(alice.doc)).toEqual(keptContent)
  })
})
