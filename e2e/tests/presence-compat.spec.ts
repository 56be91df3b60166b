// Third-party Yjs clients (stock y-websocket, y-codemirror, y-quill, BlockNote…) set the awareness
// `user` as they like: any CSS colour, or none. The app shows them by name and never lets a name
// or colour from the network into its markup or styles.
import { derivedColor, DocumentFields } from '@tandem/shared'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { expect, test } from '../fixtures/test.js'

const HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">'
const HOSTILE_COLOR = 'red;background:url(javascript:alert(1))'

/** `#rrggbb` as the `rgb(r, g, b)` a browser's computed style reports. */
function rgb(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16)
  return `rgb(${(n >> 16) & 0xff}, ${(n >> 8) & 0xff}, ${n & 0xff})`
}

test('stock y-websocket clients show by name with safe colours; a hostile one stays text', async ({
  server,
  users,
}) => {
  const riley = await users('Riley', '#3b82c4')
  const path = await riley.editor.createDocument()
  await riley.editor.typeAtEnd('Shared notes')
  const linkId = path.split('/').pop()!
  const page = riley.editor.page
  const presence = riley.editor.presence

  // Stock clients exactly as a third-party app runs them: no Tandem parameters at all.
  const providers: WebsocketProvider[] = []
  const join = (user: Record<string, unknown>): WebsocketProvider => {
    const provider = new WebsocketProvider(
      `ws://127.0.0.1:${server.port}/sync`,
      linkId,
      new Y.Doc(),
      { WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket, disableBc: true },
    )
    provider.awareness.setLocalStateField('user', user)
    providers.push(provider)
    return provider
  }

  try {
    join({ name: 'Alice', color: '#f00' })
    join({ name: 'Carol', color: 'rgb(0, 128, 0)' })
    const dan = join({ name: 'Dan' })

    // The presence bar: each by name, in their own colour, or one derived from the client id.
    await expect(presence).toHaveAttribute('data-count', '4')
    const avatar = (name: string) => riley.editor.person(name).locator('.avatar')
    await expect(avatar('Alice')).toHaveCSS('background-color', rgb('#ff0000'))
    await expect(avatar('Carol')).toHaveCSS('background-color', rgb('#008000'))
    await expect(avatar('Dan')).toHaveCSS('background-color', rgb(derivedColor(dan.doc.clientID)))

    // A hostile client, with its caret in the text so it gets a caret label too.
    const hostile = join({ name: HOSTILE_NAME, color: HOSTILE_COLOR })
    await expect.poll(() => hostile.synced).toBe(true)
    const paragraph = hostile.doc.getXmlFragment(DocumentFields.content).get(0) as Y.XmlElement
    const at = Y.relativePositionToJSON(
      Y.createRelativePositionFromTypeIndex(paragraph.get(0) as Y.XmlText, 6),
    )
    hostile.awareness.setLocalStateField('cursor', { anchor: at, head: at })
    const hostileColor = rgb(derivedColor(hostile.doc.clientID))

    await expect(presence).toHaveAttribute('data-count', '5')
    const caret = riley.editor.caretLabel(HOSTILE_NAME)
    await expect(caret).toHaveText(HOSTILE_NAME)
    await expect(caret).toHaveCSS('background-color', hostileColor)

    // Five people overflow the bar; the full list shows everyone.
    await presence.getByRole('button', { name: /more: show everyone/ }).click()
    const everyone = page.getByRole('dialog', { name: 'In this document' })
    const entry = (name: string) => everyone.getByRole('listitem').filter({ hasText: name })
    for (const name of ['Alice', 'Carol', 'Dan']) await expect(entry(name)).toHaveCount(1)
    await expect(entry(HOSTILE_NAME)).toContainText(HOSTILE_NAME)
    await expect(entry(HOSTILE_NAME).locator('.avatar')).toHaveCSS('background-color', hostileColor)

    // Text everywhere: no element was made from the name, and its handler never ran.
    await expect(page.locator('img[src="x"]')).toHaveCount(0)
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined()
  } finally {
    for (const provider of providers) provider.destroy()
  }

  // Once they have left, only Riley is there.
  await expect(presence).toHaveAttribute('data-count', '1')
})
