import * as Y from 'yjs'
import { describe, expect, test } from 'vitest'
import { ApiErrorCode, type ApiError } from '@tandem/shared'
import { ConfigError, loadConfig } from '../src/config.js'
import { metric, rawSocket, useServers, waitFor } from './helpers.js'
import { awarenessMessage, updateMessage } from './protocol.js'
import {
  ALICE,
  BOB,
  VERSION_TEST_ENV,
  api,
  committed,
  create,
  detail,
  name,
  person,
  shown,
  unloaded,
  versionDoc,
  versions,
  writeRich,
} from './versionApi.js'

const server = useServers(VERSION_TEST_ENV)

describe('version history', () => {
  test('a named version is saved at once with its name, newest first, and its exact content', async () => {
    const s = await server()
    const doc = await create(s)
    const alice = await person(s, doc.id, ALICE)
    writeRich(alice, 'Plan', 'first draft')
    alice.text.insert(0, 'plain')
    await committed(s, 2)
    const first = await name(s, doc.id, '  Draft for review  ')
    expect(Object.keys(first).sort()).toEqual(['authors', 'createdAt', 'id', 'kind', 'name'])
    expect(first).toMatchObject({ kind: 'named', name: 'Draft for review', authors: [ALICE] })
    expect(new Date(first.createdAt).toISOString()).toBe(first.createdAt)
    writeRich(alice, 'Plan B', 'second draft')
    await committed(s, 3)
    const second = await name(s, doc.id, 'Sent to legal')
    expect((await versions(s, doc.id)).map((v) => v.id)).toEqual([second.id, first.id])

    const read = await detail(s, doc.id, first.id)
    expect(Object.keys(read).sort()).toEqual([
      'authors',
      'clients',
      'createdAt',
      'id',
      'kind',
      'name',
      'update',
    ])
    expect(shown(versionDoc(read))).toEqual({
      title: 'Plan',
      body: '<paragraph>first draft</paragraph>',
      text: 'plain',
    })
    expect(shown(versionDoc(await detail(s, doc.id, second.id)))).toEqual(shown(alice.doc))
    // Every client id with content in the version, to colour insertions by author.
    expect(read.clients).toEqual({ [String(alice.doc.clientID)]: ALICE })
  })
  test('a name must be 1 to 100 characters after trimming', async () => {
    const s = await server()
    const doc = await create(s)
    for (const body of [{ name: '' }, { name: '   ' }, { name: 'x'.repeat(101) }, {}]) {
      const res = await api<ApiError>(s, `/api/docs/${doc.id}/versions`, { method: 'POST', body })
      expect(res.status).toBe(400)
      expect(res.body.code).toBe(ApiErrorCode.badRequest)
    }
    expect(await versions(s, doc.id)).toEqual([])
    expect((await name(s, doc.id, ` ${'é'.repeat(100)} `)).name).toBe('é'.repeat(100))
  })
  test('compaction saves an automatic version naming who changed the document since the last', async () => {
    const s = await server({ COMPACT_AFTER_UPDATES: '5' })
    const doc = await create(s)
    const alice = await person(s, doc.id, ALICE)
    const bob = await person(s, doc.id, BOB)
    for (let i = 0; i < 5; i++) alice.text.insert(alice.text.length, `a${i} `)
    await expect.poll(async () => (await versions(s, doc.id)).length).toBe(1)
    const [first] = await versions(s, doc.id)
    expect(first).toMatchObject({ kind: 'auto', name: null, authors: [ALICE] })
    await waitFor(() => bob.text.length === alice.text.length)
    // Bob only deletes: Yjs records no author for a deletion; the server knows who sent it.
    for (let i = 0; i < 5; i++) bob.text.delete(0, 1)
    await expect.poll(async () => (await versions(s, doc.id)).length).toBe(2)
    const [latest] = await versions(s, doc.id)
    expect(latest?.authors).toEqual([BOB])
    expect(shown(versionDoc(await detail(s, doc.id, latest!.id))).text).toBe(alice.text.toString())
  })
  test('a document that unloads after edits gets an automatic version; one without edits does not', async () => {
    const s = await server({ ROOM_IDLE_MS: '50', COMPACT_AFTER_UPDATES: '10000' })
    const doc = await create(s)
    const anonymous = await person(s, doc.id)
    anonymous.text.insert(0, 'written before leaving')
    await committed(s, 1)
    anonymous.destroy()
    await expect.poll(async () => (await versions(s, doc.id)).length).toBe(1)
    const [version] = await versions(s, doc.id)
    expect(version?.kind).toBe('auto')
    // No presence: Anonymous, in a colour derived from the client id.
    expect(version?.authors).toEqual([{ name: 'Anonymous', color: expect.stringMatching(/^#/) }])
    const read = await detail(s, doc.id, version!.id)
    expect(shown(versionDoc(read)).text).toBe('written before leaving')

    // Someone reads and leaves without editing: nothing new to keep.
    const reader = await person(s, doc.id)
    reader.destroy()
    await unloaded(s, doc.id)
    expect((await versions(s, doc.id)).length).toBe(1)
  })
  test('an automatic version identical to the newest one is not saved again', async () => {
    const s = await server({ ROOM_IDLE_MS: '50', COMPACT_AFTER_UPDATES: '10000' })
    const doc = await create(s)
    const alice = await person(s, doc.id, ALICE)
    const updates: Uint8Array[] = []
    alice.doc.on('update', (u: Uint8Array) => updates.push(u))
    alice.text.insert(0, 'same')
    await committed(s, 1)
    const named = await name(s, doc.id, 'Milestone')
    // The same edit again, as a client resending what it was never told was saved: a new log
    // record, so the room compacts when it unloads, but the content is what the version holds.
    const raw = rawSocket(`${s.ws}/${doc.id}`)
    await raw.opened
    raw.ws.send(updateMessage(updates[0] as Uint8Array))
    await committed(s, 2)
    raw.ws.close()
    alice.destroy()
    await unloaded(s, doc.id)
    expect(await metric(s, 'tandem_compactions_total')).toBeGreaterThanOrEqual(1)
    expect((await versions(s, doc.id)).map((v) => v.id)).toEqual([named.id])
  })
  test('while people keep editing, an automatic version is saved at least every 10 minutes', async () => {
    let now = Date.UTC(2025, 5, 1, 9, 0)
    const s = await server({ COMPACT_AFTER_UPDATES: '10000' }, { versionClock: () => now })
    const doc = await create(s)
    const alice = await person(s, doc.id, ALICE)
    alice.text.insert(0, 'a')
    await committed(s, 1)
    now += 9 * 60_000
    alice.text.insert(1, 'b')
    await committed(s, 2)
    expect(await versions(s, doc.id)).toEqual([])
    now += 60_000
    alice.text.insert(2, 'c')
    await expect.poll(async () => (await versions(s, doc.id)).length).toBe(1)
    const [version] = await versions(s, doc.id)
    expect(version?.createdAt).toBe(new Date(now).toISOString())
    expect(shown(versionDoc(await detail(s, doc.id, version!.id))).text).toBe('abc')
  })
  test('VERSION_EVERY_UPDATES (for benchmarks) saves an automatic version every N writes', async () => {
    const s = await server({ VERSION_EVERY_UPDATES: '10', COMPACT_AFTER_UPDATES: '10000' })
    const doc = await create(s)
    const alice = await person(s, doc.id, ALICE)
    for (let round = 1; round <= 2; round++) {
      for (let i = 0; i < 10; i++) alice.text.insert(0, 'x')
      await expect.poll(async () => (await versions(s, doc.id)).length).toBe(round)
    }
    alice.text.insert(0, 'x')
    await committed(s, 21)
    const texts = await Promise.all(
      (await versions(s, doc.id)).map(
        async (v) => shown(versionDoc(await detail(s, doc.id, v.id))).text,
      ),
    )
    expect(texts).toEqual(['x'.repeat(20), 'x'.repeat(10)])
  })
  test('versions and who wrote them survive a restart', async () => {
    const first = await server({ COMPACT_AFTER_UPDATES: '3' })
    const doc = await create(first)
    const alice = await person(first, doc.id, ALICE)
    for (let i = 0; i < 3; i++) alice.text.insert(alice.text.length, `${i}`)
    await expect.poll(async () => (await versions(first, doc.id)).length).toBe(1)
    const named = await name(first, doc.id, 'Before the restart')
    const before = await versions(first, doc.id)
    const clientId = String(alice.doc.clientID)
    alice.destroy()
    await first.close()

    const second = await server({ DATA_DIR: first.dataDir })
    expect(await versions(second, doc.id)).toEqual(before)
    const read = await detail(second, doc.id, named.id)
    expect(shown(versionDoc(read)).text).toBe('012')
    expect(read.clients[clientId]).toEqual(ALICE)
  })
  test('only edit links may use version history; unknown versions and links are 404', async () => {
    const s = await server()
    const doc = await create(s)
    const named = await name(s, doc.id, 'Private')
    const asViewer: [string, string, unknown?][] = [
      ['GET', `/api/docs/${doc.viewId}/versions`],
      ['POST', `/api/docs/${doc.viewId}/versions`, { name: 'mine' }],
      ['GET', `/api/docs/${doc.viewId}/versions/${named.id}`],
      ['POST', `/api/docs/${doc.viewId}/versions/${named.id}/restore`],
    ]
    for (const [method, path, body] of asViewer) {
      const res = await api<ApiError>(s, path, { method, body })
      expect(res.status, `${method} ${path}`).toBe(403)
      expect(res.body.code).toBe(ApiErrorCode.forbidden)
    }
    expect((await versions(s, doc.id)).length).toBe(1)
    for (const path of ['', '/restore']) {
      const res = await api<ApiError>(s, `/api/docs/${doc.id}/versions/NoSuchVersion${path}`, {
        method: path ? 'POST' : 'GET',
      })
      expect(res.status).toBe(404)
      expect(res.body.code).toBe(ApiErrorCode.notFound)
    }
    const other = await create(s)
    const foreign = await api<ApiError>(s, `/api/docs/${other.id}/versions/${named.id}`)
    expect(foreign.status).toBe(404)
    const unknown = await api<ApiError>(s, '/api/docs/UnknownLinkToken000000/versions')
    expect([unknown.status, unknown.body.code]).toEqual([404, ApiErrorCode.notFound])
    const malformed = await api<ApiError>(s, '/api/docs/no!/versions')
    expect([malformed.status, malformed.body.code]).toEqual([400, ApiErrorCode.malformedId])
  })
  test('thinning keeps every automatic version of the last day, then one an hour', async () => {
    let now = Date.UTC(2025, 5, 1, 9, 5)
    // Every write is compacted, so every write makes an automatic version.
    const s = await server({ COMPACT_AFTER_UPDATES: '1' }, { versionClock: () => now })
    const doc = await create(s)
    const alice = await person(s, doc.id, ALICE)
    let writes = 0
    const autoVersion = async () => {
      alice.text.insert(alice.text.length, 'ab')
      await committed(s, ++writes)
      const at = new Date(now).toISOString()
      await waitFor(async () => (await versions(s, doc.id))[0]?.createdAt === at, {
        what: 'a version',
      })
    }
    // Three automatic versions in the 9 o'clock hour, a named one among them.
    await autoVersion()
    now += 10 * 60_000
    await autoVersion()
    const named = await name(s, doc.id, 'Kept forever')
    now += 10 * 60_000
    await autoVersion()
    const hourOfNine = (await versions(s, doc.id)).filter((v) => v.kind === 'auto')
    expect(hourOfNine).toHaveLength(3)

    // A day later, the next version thins the 9 o'clock hour to its newest.
    now += 25 * 3_600_000
    await autoVersion()
    await expect.poll(async () => (await versions(s, doc.id)).length).toBe(3)
    const after = await versions(s, doc.id)
    expect(after.map((v) => v.id)).toEqual([after[0]!.id, hourOfNine[0]!.id, named.id])
    expect(after[0]?.createdAt).toBe(new Date(now).toISOString())
  })
  test('who wrote what comes from the connection that sent it, under its latest presence', async () => {
    const s = await server()
    const doc = await create(s)
    // Writes before saying who it is: Anonymous until its presence arrives.
    const alice = await person(s, doc.id)
    alice.text.insert(0, 'early ')
    await committed(s, 1)
    const early = await name(s, doc.id, 'Early')
    expect(early.authors).toEqual([{ name: 'Anonymous', color: expect.stringMatching(/^#/) }])
    alice.provider.awareness.setLocalStateField('user', ALICE)
    const aliceId = String(alice.doc.clientID)
    await expect
      .poll(async () => (await detail(s, doc.id, early.id)).clients[aliceId])
      .toEqual(ALICE)

    // Mallory claims Alice's presence id to rename her: the presence guard drops the claim, and
    // what Alice wrote stays hers.
    const mallory = rawSocket(`${s.ws}/${doc.id}`)
    await mallory.opened
    const forged = { name: 'Mallory', color: '#000000' }
    mallory.ws.send(
      awarenessMessage([{ id: alice.doc.clientID, clock: 99, state: { user: forged } }]),
    )
    const mine = new Y.Doc()
    mine.getText('t').insert(0, 'by Mallory ')
    mallory.ws.send(awarenessMessage([{ id: mine.clientID, clock: 1, state: { user: forged } }]))
    mallory.ws.send(updateMessage(Y.encodeStateAsUpdate(mine)))
    await committed(s, 2)
    const later = await name(s, doc.id, 'Later')
    expect(later.authors).toEqual([forged])
    const clients = (await detail(s, doc.id, later.id)).clients
    expect(clients[aliceId]).toEqual(ALICE)
    expect(clients[String(mine.clientID)]).toEqual(forged)

    // A rename is the server's current knowledge of the id; saved versions keep their authors.
    alice.provider.awareness.setLocalStateField('user', { ...ALICE, name: 'Alice B.' })
    await expect
      .poll(async () => (await detail(s, doc.id, later.id)).clients[aliceId]?.name)
      .toBe('Alice B.')
    expect((await versions(s, doc.id)).find((v) => v.id === early.id)?.authors[0]?.name).toBe(
      'Anonymous',
    )
  })
  test('VERSION_RETENTION is validated at start and names itself when wrong', () => {
    expect(loadConfig({}).versionRetention).toEqual([
      { everyMs: 0, untilMs: 86_400_000 },
      { everyMs: 3_600_000, untilMs: 30 * 86_400_000 },
      { everyMs: 86_400_000, untilMs: Infinity },
    ])
    expect(loadConfig({ VERSION_RETENTION: 'all:7d' }).versionRetention).toEqual([
      { everyMs: 0, untilMs: 7 * 86_400_000 },
    ])
    for (const wrong of ['1h', 'all:forever,1h:30d', '1h:1d,90m:7d']) {
      expect(() => loadConfig({ VERSION_RETENTION: wrong })).toThrow(ConfigError)
      expect(() => loadConfig({ VERSION_RETENTION: wrong })).toThrow(/^VERSION_RETENTION: /)
    }
    expect(() => loadConfig({ VERSION_EVERY_UPDATES: '-1' })).toThrow(/VERSION_EVERY_UPDATES/)
  })
})
