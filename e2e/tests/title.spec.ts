import { expect, test } from '../fixtures/test.js'

test("A's title edit reaches B and A's home list", async ({ users }) => {
  const alice = await users('Alice', '#d94f4f')
  const bob = await users('Bob', '#3b82c4')
  const path = await alice.editor.createDocument()
  await bob.editor.open(path)

  await alice.editor.title.fill('Quarterly plan')

  await expect(bob.editor.title).toHaveValue('Quarterly plan')
  await expect(bob.editor.page).toHaveTitle(/Quarterly plan/)
  await expect(alice.editor.page).toHaveTitle(/Quarterly plan/)
  await alice.editor.waitSaved()

  await alice.editor.page.getByRole('link', { name: /your documents/i }).click()
  const recent = alice.editor.page.getByRole('list', { name: 'Recent documents' })
  await expect(recent.getByRole('link', { name: /Quarterly plan/ })).toHaveAttribute('href', path)
})
