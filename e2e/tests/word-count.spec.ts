import { expect, test } from '../fixtures/test.js'

// The status bar under the text counts words and characters, of the whole document and of the
// selection when there is one, and keeps up with typing, other people's edits and selecting.

test('the word count follows typing, selection, and other people’s edits', async ({ users }) => {
  const alice = await users('Alice', '#d94f4f')
  const bob = await users('Bob', '#3b82c4')
  const { page } = alice.editor
  const count = page.getByTestId('word-count')
  const path = await alice.editor.createDocument()
  await expect(count).toHaveText('0 words · 0 characters')

  await alice.editor.typeAtEnd('Hello brave')
  await expect(count).toHaveText('2 words · 11 characters')
  await page.keyboard.type(' new world')
  await expect(count).toHaveText('4 words · 21 characters')

  // Words in other blocks count too; a block break is not a character.
  await page.keyboard.press('Enter')
  await page.keyboard.type('Ünïcödé 👍🏽 日本語')
  await expect(count).toHaveText('6 words · 34 characters')

  // Selecting "brave new" (shift+arrows from the end of the first paragraph).
  await alice.editor.caretToEndOfParagraph(0)
  for (let i = 0; i < ' world'.length; i++) await page.keyboard.press('ArrowLeft')
  for (let i = 0; i < 'brave new'.length; i++) await page.keyboard.press('Shift+ArrowLeft')
  await expect(count).toHaveText('2 of 6 words, 9 of 34 characters selected')

  // Everything selected.
  await page.keyboard.press('ControlOrMeta+a')
  await expect(count).toHaveText('6 of 6 words, 34 of 34 characters selected')

  // The selection collapses: back to the document's counts.
  await page.keyboard.press('ArrowRight')
  await expect(count).toHaveText('6 words · 34 characters')

  // Someone else's typing counts as it arrives.
  await bob.editor.open(path)
  await bob.editor.typeAtEnd('again', { newParagraph: true })
  await expect(count).toHaveText('7 words · 39 characters')

  // On a phone the count still shows, without covering the text.
  await page.setViewportSize({ width: 375, height: 740 })
  await expect(count).toBeVisible()
})
