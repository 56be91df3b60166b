import { readFile } from 'node:fs/promises'
import { EditorPage, linkId } from '../fixtures/EditorPage.js'
import { expect, test } from '../fixtures/test.js'

// A link someone else reset (or that is gone) must not leave its holder with a dead link: the
// page says what happened and what to do, and this device forgets the link (recent list, local
// copy), except a copy holding changes the server never confirmed, which stays until its person
// has copied what they need and deletes it.

test('a viewer cut off by a reset of the view link is told, and this device forgets the link', async ({
  users,
}) => {
  const alice = await users('Alice', '#d94f4f')
  const vic = await users('Vic', '#3b82c4')
  const dora = await users('Dora', '#2e9e6a')
  const editPath = await alice.editor.createDocument()
  await alice.editor.typeAtEnd('Agenda.')
  await alice.editor.openShare()
  const oldViewPath = await alice.editor.sharedPath('View-only link')
  await alice.editor.closeShare()
  await dora.editor.open(editPath)

  await vic.editor.open(oldViewPath)
  await expect(vic.editor.text).toContainText('Agenda.')
  await expect.poll(() => vic.editor.localCopies()).toContain(linkId(oldViewPath))

  await alice.editor.openShare()
  await alice.editor.resetLink('View-only link')
  const newViewPath = await alice.editor.sharedPath('View-only link')
  await alice.editor.closeShare()

  const notice = vic.editor.deadLinkNotice
  await expect(notice.getByRole('alert')).toContainText('This link was reset')
  await expect(notice).toContainText('Someone with edit access reset this view-only link')
  await expect(notice).toContainText('Ask whoever shared it with you for the new link')
  await expect(notice).toContainText('removed from your recent documents')
  await expect(notice.getByRole('button')).toHaveCount(0)
  await expect.poll(() => vic.editor.localCopies()).not.toContain(linkId(oldViewPath))
  // The share dialog no longer offers the dead link, only what to do instead.
  const dialog = await vic.editor.openShare()
  await expect(dialog).toContainText('no longer works')
  await expect(dialog.getByRole('textbox')).toHaveCount(0)
  await vic.editor.closeShare()
  await notice.getByRole('link', { name: 'Go to your documents' }).click()
  await expect(
    vic.editor.page.getByText('Documents you open on this device appear here'),
  ).toBeVisible()

  // Another editor, whose page heard of the old view link before the reset, is offered the new one.
  await dora.editor.openShare()
  await expect.poll(() => dora.editor.sharedPath('View-only link')).toBe(newViewPath)
})

test('an editor cut off by someone else resetting the edit link, with everything saved, is told and forgets it', async ({
  users,
}) => {
  const alice = await users('Alice', '#d94f4f')
  const dave = await users('Dave', '#8a5cc2')
  const oldPath = await alice.editor.createDocument()
  await dave.editor.open(oldPath)
  await dave.editor.typeAtEnd('Dave was here.')
  await dave.editor.waitSaved()
  await expect.poll(() => dave.editor.localCopies()).toContain(linkId(oldPath))

  await alice.editor.openShare()
  await alice.editor.resetLink('Edit link')

  const notice = dave.editor.deadLinkNotice
  await expect(notice.getByRole('alert')).toContainText('This link was reset')
  await expect(notice).toContainText('Someone with edit access reset this link')
  await expect(notice).toContainText('removed from your recent documents')
  await expect(notice).not.toContainText('never reached the server')
  await expect(dave.editor.text).toHaveAttribute('contenteditable', 'false')
  await expect.poll(() => dave.editor.localCopies()).not.toContain(linkId(oldPath))
  const dialog = await dave.editor.openShare()
  await expect(dialog.getByRole('textbox')).toHaveCount(0)
  await expect(dialog.getByRole('button', { name: 'Reset link' })).toHaveCount(0)
  await dave.editor.closeShare()
  await dave.editor.gotoHome()
  await expect(dave.editor.recentList).toHaveCount(0)
})

test('an editor cut off with unsaved changes keeps them until they choose: copy, download, then delete', async ({
  users,
  server,
}) => {
  const alice = await users('Alice', '#d94f4f')
  const dave = await users('Dave', '#8a5cc2')
  const page = dave.editor.page
  // While `holding`, what Dave sends never reaches the server (a network that swallows it);
  // the server's closes still reach him.
  let holding = false
  await page.routeWebSocket(/\/sync\//, (ws) => {
    const upstream = ws.connectToServer()
    ws.onMessage((message) => {
      if (!holding) upstream.send(message)
    })
    ws.onClose((code, reason) => upstream.close({ code, reason }))
    upstream.onClose((code, reason) => ws.close({ code, reason }))
  })

  const oldPath = await alice.editor.createDocument()
  await alice.editor.title.fill('Plans')
  await alice.editor.typeAtEnd('Saved by Alice.')
  await alice.editor.waitSaved()
  await dave.editor.open(oldPath)
  await expect(dave.editor.text).toContainText('Saved by Alice.')
  holding = true
  await dave.editor.typeAtEnd('Dave’s unsent idea.', { newParagraph: true })
  await expect(dave.editor.saveState).toHaveText('Saving…')

  await alice.editor.openShare()
  await alice.editor.resetLink('Edit link')

  const notice = dave.editor.deadLinkNotice
  await expect(notice.getByRole('alert')).toContainText('This link was reset')
  await expect(notice).toContainText('Your latest changes never reached the server')
  await expect(dave.editor.text).toContainText('Dave’s unsent idea.')
  // Nothing is thrown away unasked: the copy stays, listed (as dead) in the recent documents.
  const home = new EditorPage(await dave.context.newPage())
  await home.gotoHome()
  await expect(home.recentList.getByRole('link')).toContainText('Link no longer works')
  expect(await dave.editor.localCopies()).toContain(linkId(oldPath))

  // Copy: the whole text, unsaved changes included, on the clipboard.
  await dave.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: server.url,
  })
  await page.bringToFront()
  await notice.getByRole('button', { name: 'Copy the text' }).click()
  await expect(notice.getByRole('status')).toContainText('Copied')
  const copied = await page.evaluate(() => navigator.clipboard.readText())
  expect(copied).toContain('Plans')
  expect(copied).toContain('Dave’s unsent idea.')

  // Download: the same as a text file named after the title.
  const downloading = page.waitForEvent('download')
  await notice.getByRole('button', { name: 'Download' }).click()
  const download = await downloading
  expect(download.suggestedFilename()).toBe('Plans.txt')
  const file = await readFile(await download.path(), 'utf8')
  expect(file).toBe('Plans\n\nSaved by Alice.\n\nDave’s unsent idea.\n')

  // The copy outlives the page: opened again, it is there with the same choices.
  await page.reload()
  await expect(notice.getByRole('alert')).toContainText('This link was reset')
  await expect(dave.editor.text).toContainText('Dave’s unsent idea.')
  await expect(notice.getByRole('button', { name: 'Copy the text' })).toBeVisible()

  await notice.getByRole('button', { name: 'Delete from this device' }).click()
  await expect(notice).toContainText('Deleted from this device')
  await expect.poll(() => dave.editor.localCopies()).not.toContain(linkId(oldPath))
  await home.page.reload()
  await expect(home.recentList).toHaveCount(0)
  // Still on screen until the page closes, and still copyable.
  await expect(dave.editor.text).toContainText('Dave’s unsent idea.')
  await expect(notice.getByRole('button', { name: 'Copy the text' })).toBeVisible()
})

test('a remembered link found dead when opened from the recent list is dropped, and the page says so', async ({
  users,
}) => {
  const alice = await users('Alice', '#d94f4f')
  const bob = await users('Bob', '#3b82c4')
  const oldPath = await alice.editor.createDocument()
  await alice.editor.title.fill('Old notes')
  await alice.editor.waitSaved()
  await bob.editor.open(oldPath)
  await expect(bob.editor.title).toHaveValue('Old notes')
  await bob.editor.page.getByRole('link', { name: 'Tandem: your documents' }).click()
  // Bob's tab has let go of the document before the reset: it learns of it only on opening it.
  await expect(alice.editor.person('Bob')).toHaveCount(0)

  await alice.editor.openShare()
  await alice.editor.resetLink('Edit link')

  await bob.editor.recentList.getByRole('link', { name: /Old notes/ }).click()
  const page = bob.editor.page
  await expect(page.getByRole('heading', { name: 'This link no longer works' })).toBeVisible()
  await expect(page.getByTestId('message-page')).toContainText('removed from your recent documents')
  await expect.poll(() => bob.editor.localCopies()).not.toContain(linkId(oldPath))
  await page.getByRole('link', { name: 'Go to your documents' }).click()
  await expect(page.getByText('Documents you open on this device appear here')).toBeVisible()
})

test('changes made offline on a link reset meanwhile are kept when it is next opened', async ({
  users,
}) => {
  const alice = await users('Alice', '#d94f4f')
  const bob = await users('Bob', '#3b82c4')
  const oldPath = await alice.editor.createDocument()
  await alice.editor.typeAtEnd('Saved by Alice.')
  await alice.editor.waitSaved()
  await bob.editor.open(oldPath)
  await expect(bob.editor.text).toContainText('Saved by Alice.')

  await bob.context.setOffline(true)
  await expect(bob.editor.connection).toContainText('Offline')
  await bob.editor.typeAtEnd('Written on the train.', { newParagraph: true })
  await expect(bob.editor.saveState).toHaveText('Saved on this device')
  await bob.editor.page.getByRole('link', { name: 'Tandem: your documents' }).click()
  await expect(bob.editor.recentList.getByRole('link')).toHaveCount(1)

  await alice.editor.openShare()
  await alice.editor.resetLink('Edit link')

  await bob.context.setOffline(false)
  await bob.editor.recentList.getByRole('link').click()
  const notice = bob.editor.deadLinkNotice
  await expect(notice.getByRole('alert')).toContainText('This link no longer works')
  await expect(notice).toContainText('Your latest changes never reached the server')
  await expect(bob.editor.text).toContainText('Written on the train.')
  expect(await bob.editor.localCopies()).toContain(linkId(oldPath))
})
