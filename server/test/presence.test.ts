import { describe, expect, test } from 'vitest'
import {
  connect,
  rawSocket,
  synced,
  waitFor,
  type Client,
  type TestServer,
  useServers,
} from './helpers.js'
import { awarenessMessage } from './protocol.js'

const server = useServers()

async function setup(): Promise<{ s: TestServer; id: string; viewId: string }> {
  const s = await server()
  const res = await fetch(`${s.http}/api/docs`, { method: 'POST' })
  const { id, viewId } = (await res.json()) as { id: string; viewId: string }
  return { s, id, viewId }
}

type User = { name?: string; role?: string }
const userOf = (c: Client, clientId: number) =>
  c.provider.awareness.getStates().get(clientId)?.user as User | undefined

/** Every name an observer ever saw in presence. */
function namesSeen(observer: Client): Set<string> {
  const seen = new Set<string>()
  observer.provider.awareness.on('change', () => {
    for (const state of observer.provider.awareness.getStates().values()) {
      const name = (state.user as User | undefined)?.name
      if (name) seen.add(name)
    }
  })
  return seen
}

describe('presence integrity', () => {
  test("forged entries never reach observers and the attacker's exit keeps the victim", async () => {
    const { s, id } = await setup()
    const victim = connect(s.ws, id)
    const observer = connect(s.ws, id)
    await Promise.all([synced(victim), synced(observer)])
    victim.provider.awareness.setLocalStateField('user', { name: 'Victim', color: '#2255aa' })
    const victimId = victim.doc.clientID
    await waitFor(() => userOf(observer, victimId)?.name === 'Victim')
    const seen = namesSeen(observer)

    const attacker = rawSocket(`${s.ws}/${id}`)
    await attacker.opened
    attacker.ws.send(
      awarenessMessage([
        { id: victimId, clock: 10_000, state: { user: { name: 'Evil', color: '#000000' } } },
      ]),
    )
    attacker.ws.send(awarenessMessage([{ id: victimId, clock: 10_001, state: null }]))
    attacker.ws.send(
      awarenessMessage([
        { id: 777_777, clock: 1, state: { user: { name: 'Attacker', color: '#111111' } } },
      ]),
    )
    // The attacker's own entry arrives after its forged ones were handled.
    await waitFor(() => userOf(observer, 777_777)?.name === 'Attacker')
    expect(seen.has('Evil')).toBe(false)
    expect(userOf(observer, victimId)?.name).toBe('Victim')

    attacker.ws.close()
    await waitFor(() => !observer.provider.awareness.getStates().has(777_777), {
      what: "attacker's presence removed",
    })
    expect(userOf(observer, victimId)?.name).toBe('Victim')
  })

  test('an honest tab reconnecting while its old socket is half-open keeps its presence', async () => {
    const { s, id } = await setup()
    const observer = connect(s.ws, id)
    await synced(observer)
    const secret = 'tab-secret-0123456789abcdef'
    const honestId = 424_242
    const oldSocket = rawSocket(`${s.ws}/${id}?tab=${secret}`)
    await oldSocket.opened
    oldSocket.ws.send(
      awarenessMessage([
        { id: honestId, clock: 1, state: { user: { name: 'Honest', color: '#00aa00' } } },
      ]),
    )
    await waitFor(() => userOf(observer, honestId)?.name === 'Honest')

    // The old socket is still open as far as the server knows; the tab reconnects.
    const newSocket = rawSocket(`${s.ws}/${id}?tab=${secret}`)
    await newSocket.opened
    newSocket.ws.send(
      awarenessMessage([
        { id: honestId, clock: 2, state: { user: { name: 'Honest again', color: '#00aa00' } } },
      ]),
    )
    await waitFor(() => userOf(observer, honestId)?.name === 'Honest again', {
      what: 'the reconnected tab updates its own presence',
    })

    // Someone without the secret cannot take the id over.
    const thief = rawSocket(`${s.ws}/${id}?tab=another-secret-9876543210`)
    await thief.opened
    thief.ws.send(
      awarenessMessage([
        { id: honestId, clock: 3, state: { user: { name: 'Thief', color: '#000000' } } },
      ]),
    )
    thief.ws.send(
      awarenessMessage([
        { id: 1, clock: 1, state: { user: { name: 'Marker', color: '#000000' } } },
      ]),
    )
    await waitFor(() => userOf(observer, 1)?.name === 'Marker')
    expect(userOf(observer, honestId)?.name).toBe('Honest again')

    // When the stale socket finally goes, it no longer owns the id: presence stays.
    oldSocket.ws.close()
    await oldSocket.closed
    thief.ws.close()
    await waitFor(() => !observer.provider.awareness.getStates().has(1))
    expect(userOf(observer, honestId)?.name).toBe('Honest again')
    newSocket.ws.close()
    await waitFor(() => !observer.provider.awareness.getStates().has(honestId), {
      what: 'presence removed when the owning socket closes',
    })
  })

  test('the role shown comes from the link, never from what the client claims', async () => {
    const { s, id, viewId } = await setup()
    const observer = connect(s.ws, id)
    const viewer = connect(s.ws, viewId)
    const editor = connect(s.ws, id)
    await Promise.all([synced(observer), synced(viewer), synced(editor)])
    viewer.provider.awareness.setLocalStateField('user', {
      name: 'Vera',
      color: '#aa0000',
      role: 'edit',
    })
    editor.provider.awareness.setLocalStateField('user', {
      name: 'Ed',
      color: '#0000aa',
      role: 'view',
    })
    await waitFor(() => userOf(observer, viewer.doc.clientID)?.name === 'Vera')
    await waitFor(() => userOf(observer, editor.doc.clientID)?.name === 'Ed')
    expect(userOf(observer, viewer.doc.clientID)?.role).toBe('view')
    expect(userOf(observer, editor.doc.clientID)?.role).toBe('edit')
  })
})

describe('presence from every Yjs client', () => {
  test('names and any colour (or none) arrive as sent; only the role is the server’s', async () => {
    const { s, id, viewId } = await setup()
    const observer = connect(s.ws, id)
    await synced(observer)
    const sent: Record<string, unknown>[] = [
      { name: 'Alice', color: '#f00' },
      { name: 'Bob', color: 'rgb(0, 128, 0)' },
      { name: 'Carol', color: 'hsl(210 80% 40%)' },
      { name: 'Dan', color: 'rebeccapurple' },
      { name: 'Eve' },
      // Harmless to the server, which relays it as data: the web app vets what it renders.
      { name: '<img src=x onerror=alert(1)>', color: 'red;background:url(javascript:x)' },
      // Fields of other editors pass through too, and a claimed role is overridden.
      { name: 'Fay', colorLight: '#ff000033', avatar: 'https://example.test/f.png', role: 'edit' },
    ]
    const clients = sent.map((user, i) => {
      const client = connect(s.ws, i === sent.length - 1 ? viewId : id)
      client.provider.awareness.setLocalStateField('user', user)
      client.provider.awareness.setLocalStateField('cursor', { anchor: i })
      return client
    })
    await Promise.all(clients.map((c) => synced(c)))
    for (const [i, client] of clients.entries()) {
      const expected = { ...sent[i], role: i === sent.length - 1 ? 'view' : 'edit' }
      await expect.poll(() => userOf(observer, client.doc.clientID)).toEqual(expected)
      expect(observer.provider.awareness.getStates().get(client.doc.clientID)?.cursor).toEqual({
        anchor: i,
      })
    }
  })

  test('a user field that is not an object still gets the server’s role', async () => {
    const { s, id } = await setup()
    const observer = connect(s.ws, id)
    await synced(observer)
    const raw = rawSocket(`${s.ws}/${id}`)
    await raw.opened
    raw.ws.send(awarenessMessage([{ id: 424_242, clock: 1, state: { user: 'just a string' } }]))
    await expect.poll(() => userOf(observer, 424_242)).toEqual({ role: 'edit' })
  })
})
