import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { CloseCode, READ_ONLY_REASON } from '@tandem/shared'
import { SCHEMA_VERSION } from '../../src/storage/postgres/schema.js'
import { Cluster, clusterSkipReason, until } from './cluster.js'
import { destroyPeers, now, Peer } from './peer.js'

const skip = await clusterSkipReason()

/**
 * Three instances on one PostgreSQL database and one Redis, behind a round-robin load balancer:
 * what people on different instances see of each other.
 */
describe.skipIf(skip)('several instances share documents', () => {
  let cluster: Cluster
  let startedMs = 0

  beforeAll(async () => {
    const t0 = now()
    cluster = await Cluster.start(3)
    startedMs = now() - t0
  }, 60_000)
  afterEach(() => destroyPeers())
  afterAll(async () => cluster?.dispose())

  test('instances started together on a fresh database migrate it once and all become ready', async () => {
    console.log(`cluster: 3 instances started together, all ready in ${Math.round(startedMs)} ms`)
    expect(await cluster.readyz()).toEqual([200, 200, 200])
    expect([0, 1, 2].flatMap((i) => cluster.errors(i))).toEqual([])
    expect(await cluster.schemaVersions()).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
    )
  })

  test('concurrent edits on three instances converge', async () => {
    const { id } = await cluster.createDocument()
    // One pinned to each instance, three more through the load balancer.
    const peers = [0, 1, 2].flatMap((i) => [
      new Peer(`pinned${i}`, cluster.wsOf(i), id),
      new Peer(`balanced${i}`, cluster.ws, id),
    ])
    await until('everyone synced', () => peers.every((p) => p.synced))
    const texts = peers.map((p) => p.doc.getText('t'))
    for (let round = 0; round < 20; round++) {
      peers.forEach((peer, k) => {
        const text = texts[k]!
        text.insert(round % 2 ? 0 : text.length, `${peer.name}:${round};`)
        peer.add(`${peer.name}-${round}`)
      })
    }
    const expected = peers.map((p) => p.own())
    await until('every copy has every edit', () =>
      peers.every((p) => peers.every((q, k) => p.array(q.name).length === expected[k]!.length)),
    )
    const first = texts[0]!.toString()
    for (const text of texts) expect(text.toString()).toBe(first)
    expect(first.split(';').length - 1).toBe(peers.length * 20)
    const stored = await cluster.stored(id)
    expect(stored.getText('t').toString()).toBe(first)
    for (const [k, peer] of peers.entries()) {
      expect(stored.getArray(peer.name).toArray()).toEqual(expected[k])
    }
  })

  test('a late joiner on a third instance receives everything', async () => {
    const { id } = await cluster.createDocument()
    const a = new Peer('a', cluster.wsOf(0), id)
    const b = new Peer('b', cluster.wsOf(1), id)
    await until('a and b synced', () => a.synced && b.synced)
    for (let i = 0; i < 50; i++) {
      a.add(`a-${i}`)
      b.add(`b-${i}`)
    }
    await until(
      'a and b see each other',
      () => a.array('b').length === 50 && b.array('a').length === 50,
    )
    // Instance 2 has not loaded this document: it reads it from PostgreSQL.
    const late = new Peer('late', cluster.wsOf(2), id)
    await until('the late joiner synced', () => late.synced)
    expect(late.array('a')).toEqual(a.own())
    expect(late.array('b')).toEqual(b.own())
    // And it stays live: an edit on instance 0 reaches it.
    a.add('a-after')
    await until('the late joiner hears a new edit', () => late.array('a').includes('a-after'))
  })

  test('an edit too large to ride on Redis (over 64 KiB) reaches the other instances from the store', async () => {
    const { id } = await cluster.createDocument()
    const peers = [0, 1, 2].map((i) => new Peer(`p${i}`, cluster.wsOf(i), id))
    await until('all synced', () => peers.every((p) => p.synced))
    const big = 'large edit. '.repeat(20_000)
    const start = now()
    peers[0]!.doc.getText('t').insert(0, big)
    await until('it arrived on instances 1 and 2', () =>
      peers.every((p) => p.doc.getText('t').length === big.length),
    )
    console.log(
      `large edit (${big.length} bytes): reached instances 1 and 2 in ${Math.round(now() - start)} ms`,
    )
    for (const peer of peers) expect(peer.doc.getText('t').toString()).toBe(big)
  })

  test('presence crosses instances and leaves with its connection', async () => {
    const { id } = await cluster.createDocument()
    const alice = new Peer('alice', cluster.wsOf(0), id)
    const bob = new Peer('bob', cluster.wsOf(1), id)
    const carol = new Peer('carol', cluster.wsOf(2), id)
    await until('all synced', () => alice.synced && bob.synced && carol.synced)
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice', color: '#ff0000' })
    bob.provider.awareness.setLocalStateField('user', { name: 'Bob', color: '#0000ff' })
    const aliceId = alice.doc.clientID
    const bobId = bob.doc.clientID
    const userOf = (p: Peer, clientId: number): unknown =>
      p.provider.awareness.getStates().get(clientId)?.user
    await until(
      'alice seen on instances 1 and 2, bob on 0 and 2',
      () =>
        [bob, carol].every((p) => userOf(p, aliceId) !== undefined) &&
        [alice, carol].every((p) => userOf(p, bobId) !== undefined),
    )
    expect(userOf(bob, aliceId)).toEqual({ name: 'Alice', color: '#ff0000', role: 'edit' })
    expect(userOf(carol, aliceId)).toEqual({ name: 'Alice', color: '#ff0000', role: 'edit' })
    expect(userOf(alice, bobId)).toEqual({ name: 'Bob', color: '#0000ff', role: 'edit' })
    const left = now()
    alice.destroy()
    await until('alice gone on instances 1 and 2', () =>
      [bob, carol].every((p) => !p.provider.awareness.getStates().has(aliceId)),
    )
    console.log(
      `presence: a disconnect removed on the other instances in ${Math.round(now() - left)} ms`,
    )
  })

  test('when someone leaves, the presence of people on other instances stays', async () => {
    const { id } = await cluster.createDocument()
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map(
      (name, i) => new Peer(name, cluster.wsOf(i), id),
    ) as [Peer, Peer, Peer]
    await until('all synced', () => alice.synced && bob.synced && carol.synced)
    for (const p of [alice, bob, carol]) {
      p.provider.awareness.setLocalStateField('user', { name: p.name, color: '#00aa00' })
    }
    const everyone = [alice, bob, carol].map((p) => p.doc.clientID)
    await until('everyone sees everyone', () =>
      [alice, bob, carol].every((p) =>
        everyone.every((c) => p.provider.awareness.getStates().has(c)),
      ),
    )
    // Bob's and Carol's copies of the presence: nobody but Alice may leave them.
    const removed: number[] = []
    for (const p of [bob, carol]) {
      p.provider.awareness.on('change', (change: { removed: number[] }) =>
        removed.push(...change.removed),
      )
    }
    alice.destroy()
    await until('alice gone for bob and carol', () =>
      [bob, carol].every((p) => !p.provider.awareness.getStates().has(alice.doc.clientID)),
    )
    // A change of Bob's that Carol sees afterwards: everything published at Alice's leaving has
    // arrived by then (Redis keeps each publisher's order, and this one was published later).
    bob.provider.awareness.setLocalStateField('user', { name: 'bob', color: '#0000aa' })
    await until('carol sees bob’s change', () => {
      const user = carol.provider.awareness.getStates().get(bob.doc.clientID)?.user
      return (user as { color?: string } | undefined)?.color === '#0000aa'
    })
    expect(removed.filter((c) => c !== alice.doc.clientID)).toEqual([])
  })

  test('presence follows a person who moves to another instance', async () => {
    const { id } = await cluster.createDocument()
    const alice = new Peer('alice', cluster.wsOf(0), id)
    const bob = new Peer('bob', cluster.wsOf(1), id)
    const carol = new Peer('carol', cluster.wsOf(2), id)
    await until('all synced', () => alice.synced && bob.synced && carol.synced)
    bob.provider.awareness.setLocalStateField('user', { name: 'Bob', color: '#0000ff' })
    const bobId = bob.doc.clientID
    const colourOf = (p: Peer): unknown =>
      (p.provider.awareness.getStates().get(bobId)?.user as { color?: string } | undefined)?.color
    await until(
      'alice and carol see bob',
      () => colourOf(alice) === '#0000ff' && colourOf(carol) === '#0000ff',
    )
    // Bob's instance goes away for him (as in a failover): he comes back through instance 0.
    bob.provider.destroy()
    await until(
      'bob gone for alice and carol',
      () => colourOf(alice) === undefined && colourOf(carol) === undefined,
    )
    const moved = new Peer('bob', cluster.wsOf(0), id, { as: bob })
    await until('bob back on instance 0', () => moved.synced)
    // Twice: his first change after the move carries the clock his removal used, and the room
    // (like any y-protocols awareness) keeps the removal then.
    moved.provider.awareness.setLocalStateField('user', { name: 'Bob', color: '#111111' })
    moved.provider.awareness.setLocalStateField('user', { name: 'Bob', color: '#123456' })
    await until(
      'alice and carol see bob again',
      () => colourOf(alice) === '#123456' && colourOf(carol) === '#123456',
      5_000,
    )
  })

  test('a view link is read-only on every instance, and rotating it on one instance closes it everywhere', async () => {
    const { id, viewId } = await cluster.createDocument()
    const editor = new Peer('editor', cluster.wsOf(0), id)
    const viewers = [0, 1, 2].map((i) => new Peer(`viewer${i}`, cluster.wsOf(i), viewId))
    await until('all synced', () => editor.synced && viewers.every((v) => v.synced))
    for (const viewer of viewers) viewer.add(`${viewer.name}-write`)
    await until('every viewer told it is read-only', () =>
      viewers.every((v) => v.denied.includes(READ_ONLY_REASON)),
    )
    // The refusal follows the write: by now each was dropped. Edits still reach the viewers.
    editor.add('editor-1')
    await until('viewers hear the editor', () =>
      viewers.every((v) => v.array('editor').includes('editor-1')),
    )
    const stored = await cluster.stored(id)
    for (const viewer of viewers) expect(stored.getArray(viewer.name).toArray()).toEqual([])
    for (const viewer of viewers) expect(editor.array(viewer.name)).toEqual([])

    const editorOn1 = new Peer('editor1', cluster.wsOf(1), id)
    await until('second editor synced', () => editorOn1.synced)
    const rotatedAt = now()
    const res = await fetch(`${cluster.httpOf(0)}/api/docs/${id}/links/view/rotate`, {
      method: 'POST',
    })
    expect(res.status).toBe(200)
    const rotated = (await res.json()) as { id: string }
    await until(
      'the old view link closed on every instance',
      () => viewers.every((v) => v.closeCodes.includes(CloseCode.forbidden)),
      2_000,
    )
    console.log(
      `link rotation: old link closed on instances 1 and 2 in ${Math.round(now() - rotatedAt)} ms`,
    )
    // The edit link's connections stay; the old view link opens nothing anywhere; the new one works.
    expect(editor.closeCodes).toEqual([])
    expect(editorOn1.closeCodes).toEqual([])
    const stale = new Peer('stale', cluster.wsOf(2), viewId)
    await until('the old link refused on instance 2', () => stale.closeCodes.length > 0)
    expect(stale.closeCodes[0]).toBe(CloseCode.unknownDocument)
    const fresh = new Peer('fresh', cluster.wsOf(2), rotated.id)
    await until('the new view link syncs on instance 2', () => fresh.synced)
    expect(fresh.array('editor')).toEqual(['editor-1'])
  })
})
