import { expect, test } from '../fixtures/test.js'

test('"Copy link" copies a link that opens the same document for someone else', async ({
  users,
  server,
}) => {
  const alice = await users('Alice', '#d94f4f')
  await alice.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: server.url,
  })
  const path = await alice.editor.createDocument()
  await alice.editor.typeAtEnd('Read this, Bob.')

  const page = alice.editor.page
  await page.getByRole('button', { name: 'Share' }).click()
  const dialog = page.getByRole('dialog', { name: 'Share this document' })
  await expect(dialog).toBeVisible()
  const editLink = dialog.getByRole('region', { name: 'Edit link', exact: true })
  await editLink.getByRole('button', { name: 'Copy link' }).click()
  await expect(editLink.getByRole('status')).toHaveText(/Copied/)

  const link = await page.evaluate(() => navigator.clipboard.readText())
  expect(new URL(link).pathname).toBe(path)

  const bob = await users('Bob', '#3b82c4')
  await bob.editor.page.goto(link)
  await bob.editor.waitSynced()
  await expect(bob.editor.text).toContainText('Read this, Bob.')
})
