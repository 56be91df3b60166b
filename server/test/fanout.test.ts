import { describe, expect, test } from 'vitest'
import { LocalFanOutHub } from '../src/fanout/LocalFanOut.js'
import { MemoryStore } from '../src/storage/MemoryStore.js'
import { connect, rawSocket, synced, useServers, type TestServer } from './helpers.js'

const server = useServers({ STORAGE: 'memory' })

/**
 * Two instances in one process sharing one store and one fan-out hub: the seam that several
 * instances on PostgreSQL and Redis will use, exercised with real sockets and stock clients.
 */
async function twoInstances(): Promise<[TestServer, TestServer]> {
  const store = new MemoryStore()
  const hub = new LocalFanOutHub()
  return Promise.all([
    server({}, { createStore: () => store, fanout: hub.join() }),
    server({}, { createStore: () => store, fanout: hub.join() }),
  ])
}

async function createDoc(s: TestServer): Promise<{ id: string; viewId: string }> {
  const res = await fetch(`${s.http}/api/docs`, { method: 'POST' })
  return (await res.json()) as { id: string; viewId: string }
}

describe('fan-out between instances', () => {
  test('edits on either instance reach people on the other; a late joiner gets everything', async () => {
    const [one, two] = await twoInstances()
    const { id } = await createDoc(one)
    const alice = connect(one.ws, id)
    const bob = connect(two.ws, id)
    await Promise.all([synced(alice), synced(bob)])
    alice.text.insert(0, 'from one. ')
    await expect.poll(() => bob.text.toString()).toBe('from one. ')
    bob.text.insert(bob.text.length, 'from two.')
    await expect.poll(() => alice.text.toString()).toBe('from one. from two.')
    // Both at once: each instance applies the other's commits, in whatever order they arrive.
    for (let i = 0; i < 20; i++) {
      alice.text.insert(0, 'a')
      bob.text.insert(bob.text.length, 'b')
    }
    await expect.poll(() => alice.text.toString() === bob.text.toString()).toBe(true)
    expect(alice.text.toString().length).toBe('from one. from two.'.length + 40)
    const carol = connect(two.ws, id)
    await synced(carol)
    await expect.poll(() => carol.text.toString()).toBe(alice.text.toString())
  })

  test('presence crosses instances and leaves with its connection', async () => {
    const [one, two] = await twoInstances()
    const { id } = await createDoc(one)
    const alice = connect(one.ws, id)
    const bob = connect(two.ws, id)
    await Promise.all([synced(alice), synced(bob)])
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice', color: '#f00' })
    const aliceId = alice.doc.clientID
    await expect
      .poll(() => bob.provider.awareness.getStates().get(aliceId)?.user)
      .toEqual({ name: 'Alice', color: '#f00', role: 'edit' })
    alice.destroy()
    await expect.poll(() => bob.provider.awareness.getStates().has(aliceId)).toBe(false)
  })

  test('rotating a link on one instance closes its connections on the other with 4403', async () => {
    const [one, two] = await twoInstances()
    const { id, viewId } = await createDoc(one)
    const editor = connect(one.ws, id)
    await synced(editor)
    const viewer = rawSocket(`${two.ws}/${viewId}`)
    await viewer.opened
    const res = await fetch(`${one.http}/api/docs/${id}/links/view/rotate`, { method: 'POST' })
    expect(res.status).toBe(200)
    expect((await viewer.closed).code).toBe(4403)
  })
})
