import { expect, test } from '../fixtures/test.js'

test('two people type in the same document and both end with both texts', async ({ users }) => {
  const alice = await users('Alice', '#d94f4f')
  const bob = await users('Bob', '#3b82c4')
  const path = await alice.editor.createDocument()
  await alice.editor.typeAtEnd('Agenda:')
  await alice.editor.typeAtEnd('Notes:', { newParagraph: true })
  await bob.editor.open(path)
  await expect(bob.editor.text).toContainText('Notes:')

  // Each puts their caret in their own paragraph, and sees where the other one's is…
  await alice.editor.caretToEndOfParagraph(0)
  await bob.editor.caretToEndOfParagraph(1)
  await expect(alice.editor.caretLabel('Bob')).toBeVisible()
  await expect(bob.editor.caretLabel('Alice')).toBeVisible()

  // …then both type at the same time.
  await Promise.all([
    alice.editor.page.keyboard.type(' budget, hiring and the offsite.'),
    bob.editor.page.keyboard.type(' Bob will book the venue.'),
  ])

  for (const { editor } of [alice, bob]) {
    await expect
      .poll(() => editor.blocks())
      .toEqual(['Agenda: budget, hiring and the offsite.', 'Notes: Bob will book the venue.'])
  }
  await alice.editor.waitSaved()
  await bob.editor.waitSaved()
})
