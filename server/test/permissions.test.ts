import * as Y from 'yjs'
import { describe, expect, test } from 'vitest'
import {
  ApiErrorCode,
  CloseCode,
  READ_ONLY_REASON,
  SyncMessageType,
  type CreatedDocument,
} from '@tandem/shared'
import {
  connect,
  metric,
  rawSocket,
  synced,
  waitFor,
  type TestServer,
  useServers,
} from './helpers.js'
import { deniedReasons, syncMessage } from './protocol.js'

const server = useServers({ RATE_MESSAGES_PER_SEC: '100000', RATE_BURST_MESSAGES: '100000' })

async function create(s: TestServer): Promise<CreatedDocument> {
  const res = await fetch(`${s.http}/api/docs`, { method: 'POST' })
  return (await res.json()) as CreatedDocument
}

describe('view-only links', () => {
  test('the edit link reveals the view link; the view link reveals nothing more', async () => {
    const s = await server()
    const doc = await create(s)
    expect(doc.viewId).not.toBe(doc.id)
    const asEditor = (await (await fetch(`${s.http}/api/docs/${doc.id}`)).json()) as {
      links: Record<string, string>
    }
    expect(asEditor.links).toEqual({ edit: doc.id, view: doc.viewId })
    const asViewer = (await (await fetch(`${s.http}/api/docs/${doc.viewId}`)).json()) as {
      role: string
      links: Record<string, string>
    }
    expect(asViewer.role).toBe('view')
    expect(asViewer.links).toEqual({ view: doc.viewId })
  })

  test('a viewer receives the document and live edits', async () => {
    const s = await server()
    const doc = await create(s)
    const editor = connect(s.ws, doc.id)
    await synced(editor)
    editor.text.insert(0, 'before ')
    const viewer = connect(s.ws, doc.viewId)
    await synced(viewer)
    await waitFor(() => viewer.text.toString() === 'before ')
    editor.text.insert(7, 'and after')
    await waitFor(() => viewer.text.toString() === 'before and after', { what: 'live edit' })
  })

  test('1,000 write attempts of every kind change nothing, relay nothing, and are told once', async () => {
    const s = await server()
    const doc = await create(s)
    const editor = connect(s.ws, doc.id)
    await synced(editor)
    editor.text.insert(0, 'original')
    await waitFor(async () => (await metric(s, 'tandem_updates_in_total')) >= 1)
    const stateBefore = Y.encodeStateAsUpdate(editor.doc)
    let relayedToEditor = 0
    editor.doc.on('update', (_u: Uint8Array, origin: unknown) => {
      if (origin === editor.provider) relayedToEditor++
    })

    // A stock client with offline content: its sync step 2 on connect carries it.
    const offline = new Y.Doc()
    offline.getText('t').insert(0, 'offline edit from a viewer')
    const stockViewer = connect(s.ws, doc.viewId, { doc: offline })
    await synced(stockViewer)
    stockViewer.text.insert(0, 'live edit from a viewer')

    // Raw attempts: updates, step 2s and step 2s built against the current state.
    const raw = rawSocket(`${s.ws}/${doc.viewId}`)
    await raw.opened
    const attacker = new Y.Doc()
    Y.applyUpdate(attacker, stateBefore)
    const forged: Uint8Array[] = []
    attacker.on('update', (u: Uint8Array) => forged.push(u))
    for (let i = 0; i < 500; i++) attacker.getText('t').insert(0, `x${i}`)
    attacker.getMap('m').set('k', 'v')
    attacker.getText('t').delete(0, 5)
    const kinds = [SyncMessageType.update, SyncMessageType.step2]
    let sent = 0
    for (let i = 0; sent < 1000; i++) {
      const update = forged[i % forged.length] as Uint8Array
      raw.ws.send(syncMessage(kinds[i % 2] as number, update))
      sent++
    }
    await waitFor(
      async () => (await metric(s, 'tandem_refused_writes_total', READ_ONLY_REASON)) >= 1002,
      { what: '1,002 refused writes' },
    )

    // Told once per connection, never disconnected.
    expect(deniedReasons(raw.messages)).toEqual([READ_ONLY_REASON])
    expect(raw.ws.readyState).toBe(raw.ws.OPEN)
    // Nothing stored: a fresh reader after a restart sees the editor's content only.
    expect(relayedToEditor).toBe(0)
    expect(editor.text.toString()).toBe('original')
    const fresh = connect(s.ws, doc.id)
    await synced(fresh)
    expect(fresh.text.toString()).toBe('original')
    expect(fresh.doc.getMap('m').size).toBe(0)
    expect(await metric(s, 'tandem_updates_in_total')).toBe(1)
  })

  test('a rotated link stops working and its open connections close with 4403', async () => {
    const s = await server()
    const doc = await create(s)
    const viewer = connect(s.ws, doc.viewId)
    const editor = connect(s.ws, doc.id)
    await Promise.all([synced(viewer), synced(editor)])
    const closed = new Promise<{ code: number }>((resolve) =>
      viewer.provider.once('closed', resolve),
    )
    const res = await fetch(`${s.http}/api/docs/${doc.id}/links/view/rotate`, { method: 'POST' })
    expect(res.status).toBe(200)
    const rotated = (await res.json()) as { id: string }
    expect(rotated.id).not.toBe(doc.viewId)
    expect((await closed).code).toBe(CloseCode.forbidden)
    expect(editor.provider.wsconnected).toBe(true)
    const revoked = await fetch(`${s.http}/api/docs/${doc.viewId}`)
    expect(revoked.status).toBe(404)
    expect(await revoked.json()).toMatchObject({ code: ApiErrorCode.notFound })
    const again = rawSocket(`${s.ws}/${doc.viewId}`)
    expect((await again.closed).code).toBe(CloseCode.unknownDocument)
    const newViewer = connect(s.ws, rotated.id)
    await synced(newViewer)
    // Only an edit link may rotate.
    const byViewer = await fetch(`${s.http}/api/docs/${rotated.id}/links/edit/rotate`, {
      method: 'POST',
    })
    expect(byViewer.status).toBe(403)
    expect(await byViewer.json()).toMatchObject({ code: ApiErrorCode.forbidden })
  })
})
