import type { Page } from '@playwright/test'
import { linkId } from '../fixtures/EditorPage.js'
import { expect, test } from '../fixtures/test.js'

/** What a page whose link someone else reset says (see dead-links.spec.ts for the rest). */
const RESET = 'This link was reset'
/** What any page says when its link stopped working, in one form or another. */
const STOPPED_TEXTS = [RESET, 'This link no longer works', 'no longer gives access', 'Disconnected']

/**
 * Starts recording which of `texts` ever appear on `page` (a flash that is gone again by the
 * time an assertion looks would otherwise go unseen); the returned function reads the record.
 */
async function watchForTexts(page: Page, texts: string[]): Promise<() => Promise<string[]>> {
  await page.evaluate((needles) => {
    const seen = new Set<string>()
    const look = (): void => {
      const text = document.body.innerText
      for (const needle of needles) if (text.includes(needle)) seen.add(needle)
    }
    look()
    new MutationObserver(look).observe(document.body, {
      childList: true,
      subtree: true,
      characterData: true,
    })
    ;(window as unknown as { __seen: Set<string> }).__seen = seen
  }, texts)
  return () => page.evaluate(() => [...(window as unknown as { __seen: Set<string> }).__seen])
}

test('resetting the view link cuts off the old one; the new one opens read-only; editing goes on', async ({
  users,
}) => {
  const alice = await users('Alice', '#d94f4f')
  const bob = await users('Bob', '#3b82c4')
  const carol = await users('Carol', '#2e9e6a')
  const editPath = await alice.editor.createDocument()
  await alice.editor.typeAtEnd('Agenda.')
  await alice.editor.openShare()
  const oldViewPath = await alice.editor.sharedPath('View-only link')
  await alice.editor.closeShare()

  await bob.editor.open(oldViewPath)
  await expect(bob.editor.text).toContainText('Agenda.')
  await expect(alice.editor.person('Bob (viewing)')).toBeVisible()

  await alice.editor.openShare()
  await alice.editor.resetLink('View-only link')
  const newViewPath = await alice.editor.sharedPath('View-only link')
  expect(newViewPath).not.toBe(oldViewPath)
  // The edit link is untouched, and so is the tab.
  expect(await alice.editor.sharedPath('Edit link')).toBe(editPath)
  await alice.editor.closeShare()
  expect(new URL(alice.editor.page.url()).pathname).toBe(editPath)

  // Bob's open connection is closed for good, with the reason in words.
  await expect(bob.editor.page.getByRole('alert')).toContainText(RESET)
  await expect(bob.editor.connection).toHaveText('Disconnected')
  await expect(bob.editor.editorRoot).toHaveAttribute('data-connection', 'stopped')
  await expect(alice.editor.person('Bob (viewing)')).toHaveCount(0)

  await carol.editor.open(newViewPath)
  await expect(carol.editor.text).toContainText('Agenda.')
  await expect(carol.editor.page.getByText('View only', { exact: true })).toBeVisible()
  await expect(carol.editor.text).toHaveAttribute('contenteditable', 'false')

  await alice.editor.typeAtEnd('Item one.', { newParagraph: true })
  await alice.editor.waitSaved()
  await expect(carol.editor.text).toContainText('Item one.')
  await expect(alice.editor.person('Carol (viewing)')).toBeVisible()
  await expect(bob.editor.text).not.toContainText('Item one.')

  // The old view link leads nowhere now, also after a reload.
  await bob.editor.page.reload()
  await expect(bob.editor.page.getByRole('heading', { name: 'Document not found' })).toBeVisible()
})

test('resetting the edit link moves this tab to the new link with its unsent edits; the old link stops', async ({
  users,
}) => {
  const alice = await users('Alice', '#d94f4f')
  const dave = await users('Dave', '#8a5cc2')
  const erin = await users('Erin', '#c28a1e')
  const page = alice.editor.page

  // Alice's sync socket passes through here; while `holding` names a link, what she sends on
  // that link's socket never reaches the server (a network that swallows her edits).
  let holding: string | undefined = undefined
  let revoked!: () => void
  const socketRevoked = new Promise<void>((resolve) => (revoked = resolve))
  await page.routeWebSocket(/\/sync\//, (ws) => {
    const server = ws.connectToServer()
    ws.onMessage((message) => {
      if (holding === undefined || !ws.url().includes(holding)) server.send(message)
    })
    ws.onClose((code, reason) => server.close({ code, reason }))
    server.onClose((code, reason) => {
      ws.close({ code, reason })
      if (code === 4403) revoked()
    })
  })
  // The hard order for the tab: the server's 4403 on its socket lands before the answer to its
  // rotate request (the server closes the old link's sockets first; a network may reorder).
  await page.route('**/links/edit/rotate', async (route) => {
    const response = await route.fetch()
    await socketRevoked
    await expect(alice.editor.editorRoot).not.toHaveAttribute('data-connection', 'online')
    await route.fulfill({ response })
  })

  const oldPath = await alice.editor.createDocument()
  const oldId = oldPath.split('/').pop()!
  await alice.editor.title.fill('Budget')
  await alice.editor.typeAtEnd('Saved before.')
  await alice.editor.waitSaved()
  await dave.editor.open(oldPath)
  await expect(dave.editor.text).toContainText('Saved before.')

  holding = oldId
  await alice.editor.typeAtEnd('Typed but never sent.', { newParagraph: true })
  await expect(alice.editor.saveState).toHaveText('Saving…')

  const flashes = await watchForTexts(page, [...STOPPED_TEXTS, 'Opening document'])
  await alice.editor.openShare()
  await alice.editor.resetLink('Edit link')

  // The tab is at the new link, showing it, and never showed an error or a loading page.
  const newPath = await alice.editor.sharedPath('Edit link')
  expect(newPath).not.toBe(oldPath)
  await expect(page).toHaveURL(new RegExp(`${newPath}$`))
  await alice.editor.closeShare()
  await alice.editor.waitSynced()
  // The edit the server never got is sent on the new link and saved.
  await alice.editor.waitSaved()
  expect(await flashes()).toEqual([])
  expect(await alice.editor.blocks()).toEqual(['Saved before.', 'Typed but never sent.'])

  // Dave, on the old edit link, is stopped and told why.
  await expect(dave.editor.page.getByRole('alert')).toContainText(RESET)
  await expect(dave.editor.editorRoot).toHaveAttribute('data-connection', 'stopped')
  await expect(dave.editor.text).toHaveAttribute('contenteditable', 'false')

  // Someone with the new link gets everything, unsent edit included, and edits with Alice.
  await erin.editor.open(newPath)
  await expect(erin.editor.title).toHaveValue('Budget')
  await expect(erin.editor.text).toContainText('Typed but never sent.')
  await alice.editor.typeAtEnd('After the reset.', { newParagraph: true })
  await erin.editor.typeAtEnd('Erin agrees.', { newParagraph: true })
  for (const { editor } of [alice, erin]) {
    await expect(editor.text).toContainText('After the reset.')
    await expect(editor.text).toContainText('Erin agrees.')
  }
  await alice.editor.waitSaved()
  await expect(dave.editor.text).not.toContainText('After the reset.')
  // Dave was connected until the reset: had the held edit reached the server, he would have it.
  await expect(dave.editor.text).not.toContainText('Typed but never sent.')

  // Alice's list of recent documents follows the document to its new link.
  await alice.editor.gotoHome()
  const recent = page.getByRole('list', { name: 'Recent documents' }).getByRole('link')
  await expect(recent).toHaveCount(1)
  await expect(recent).toHaveAttribute('href', newPath)
  await expect(recent).toContainText('Budget')
  // And so does this device's copy of it: none is left behind under the old link.
  await expect.poll(() => alice.editor.localCopies()).toContain(linkId(newPath))
  await expect.poll(() => alice.editor.localCopies()).not.toContain(oldId)
})
