import { expect, test } from '../fixtures/test.js'

test('edits made offline reach the others after reconnecting, and theirs arrive', async ({
  users,
}) => {
  const alice = await users('Alice', '#d94f4f')
  const bob = await users('Bob', '#3b82c4')
  const path = await alice.editor.createDocument()
  await alice.editor.typeAtEnd('Shared start.')
  await bob.editor.open(path)
  await expect(bob.editor.text).toContainText('Shared start.')

  await alice.context.setOffline(true)
  await expect(alice.editor.connection).toContainText('Offline')
  await expect(alice.editor.editorRoot).toHaveAttribute('data-connection', 'offline')

  await Promise.all([
    alice.editor.typeAtEnd('Written on the train.', { newParagraph: true }),
    bob.editor.typeAtEnd('Written at the office.', { newParagraph: true }),
  ])
  await expect(alice.editor.saveState).toHaveText('Saved on this device')
  await bob.editor.waitSaved()
  // Bob's edit is on the server; Alice's is only on her device.
  await expect(bob.editor.text).not.toContainText('Written on the train.')
  await expect(alice.editor.text).not.toContainText('Written at the office.')

  await alice.context.setOffline(false)
  await alice.editor.waitSynced()

  for (const { editor } of [alice, bob]) {
    await expect(editor.text).toContainText('Written on the train.')
    await expect(editor.text).toContainText('Written at the office.')
  }
  await alice.editor.waitSaved()
})
