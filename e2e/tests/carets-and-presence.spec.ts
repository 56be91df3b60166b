import { expect, test } from '../fixtures/test.js'

test("A sees B's named caret and both in presence; B leaves when B's page closes", async ({
  users,
}) => {
  const alice = await users('Alice', '#d94f4f')
  const bob = await users('Bob', '#3b82c4')
  const path = await alice.editor.createDocument()
  await alice.editor.typeAtEnd('A line to put carets on.')
  await bob.editor.open(path)
  await bob.editor.typeAtEnd(' Bob types here')

  await expect(alice.editor.caretLabel('Bob')).toBeVisible()
  // You never see your own caret.
  await expect(alice.editor.caretLabel('Alice')).toHaveCount(0)

  await expect(alice.editor.presence.getByRole('listitem')).toHaveCount(2)
  await expect(alice.editor.person('Alice (you)')).toBeVisible()
  await expect(alice.editor.person('Bob')).toBeVisible()
  await expect(bob.editor.person('Bob (you)')).toBeVisible()
  await expect(bob.editor.person('Alice')).toBeVisible()

  await bob.editor.page.close()

  await expect(alice.editor.person('Bob')).toHaveCount(0)
  await expect(alice.editor.presence.getByRole('listitem')).toHaveCount(1)
  await expect(alice.editor.caretLabel('Bob')).toHaveCount(0)
})
