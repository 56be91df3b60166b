import fs from 'node:fs'
import path from 'node:path'
import type { Locator } from '@playwright/test'
import { EditorPage, linkId } from '../fixtures/EditorPage.js'
import { expect, test } from '../fixtures/test.js'

const ALICE = '#d94f4f'
const BOB = '#3b82c4'

/** The colour a person is shown in (their avatar in the presence bar), as CSS computes it. */
async function displayedColor(editor: EditorPage, name: string): Promise<string> {
  return editor
    .person(name)
    .locator('.avatar')
    .evaluate((avatar) => getComputedStyle(avatar).backgroundColor)
}

/** The text of the preview's insertions by `name`, joined (one run may be split in several). */
async function insertedBy(editor: EditorPage, name: string): Promise<string> {
  const runs = editor.historyPreview.locator(`ins.history-added[data-author="${name}"]`)
  return (await runs.allTextContents()).join('')
}

/** The struck-through text of the preview's body, joined. */
async function deleted(editor: EditorPage): Promise<string> {
  const runs = editor.historyPreview.locator('.ProseMirror del.history-removed')
  return (await runs.allTextContents()).join('')
}

/** Every element of `runs` is drawn in `color` (its underline). */
async function expectAllInColor(runs: Locator, color: string): Promise<void> {
  const colors = await runs.evaluateAll((elements) =>
    elements.map((element) => getComputedStyle(element).textDecorationColor),
  )
  expect(colors.length).toBeGreaterThan(0)
  expect(new Set(colors)).toEqual(new Set([color]))
}

test("History shows the other person's insertions in their colour; a restore reaches both live and is undone by restoring the version saved before it", async ({
  users,
}) => {
  const alice = await users('Alice', ALICE)
  const bob = await users('Bob', BOB)
  const docPath = await alice.editor.createDocument()
  await alice.editor.title.fill('Plan')
  await alice.editor.typeAtEnd('Alice starts the plan.')
  await alice.editor.waitSaved()
  await alice.editor.openHistory()
  await alice.editor.nameCurrentVersion('Start')
  await alice.editor.closeHistory()

  await bob.editor.open(docPath)
  await bob.editor.typeAtEnd('Bob adds a line.', { newParagraph: true })
  await bob.editor.title.fill('Plan v2')
  await bob.editor.waitSaved()
  await expect
    .poll(() => alice.editor.blocks())
    .toEqual(['Alice starts the plan.', 'Bob adds a line.'])
  const bobColor = await displayedColor(alice.editor, 'Bob')
  expect(bobColor).toBe('rgb(59, 130, 196)')

  // The current document against the latest version: Bob's line in Bob's colour, the old title
  // struck through, and nothing of Alice's marked (it was there before).
  await alice.editor.openHistory()
  await expect(alice.editor.versionOption(/^Current version/)).toHaveAttribute(
    'aria-selected',
    'true',
  )
  expect(await alice.editor.previewShown()).toBe('current')
  await expect(alice.editor.historyPreview).toContainText('Changes since Start')
  await expect.poll(() => insertedBy(alice.editor, 'Bob')).toBe('Bob adds a line.')
  await expectAllInColor(alice.editor.historyPreview.locator('ins.history-added'), bobColor)
  await expect(alice.editor.historyPreview.locator('ins[data-author="Alice"]')).toHaveCount(0)
  await expect(alice.editor.historyPreview.getByRole('heading', { level: 1 })).toHaveText(
    'Plan Plan v2',
  )
  await expect(alice.editor.historyPreview.getByRole('list', { name: 'Changes shown' })).toHaveText(
    'Added by Bob',
  )

  // The same between two saved versions, coloured by the authors the server recorded.
  await alice.editor.nameCurrentVersion('With Bob')
  const withBob = await alice.editor.previewShown()
  expect(withBob).not.toBe('current')
  await expect(alice.editor.historyPreview).toHaveAttribute('data-base', /.+/)
  await expect.poll(() => insertedBy(alice.editor, 'Bob')).toBe('Bob adds a line.')
  await expectAllInColor(alice.editor.historyPreview.locator('ins.history-added'), bobColor)
  await expect(alice.editor.versionOption(/With Bob, by Bob/)).toBeVisible()

  // Restore "Start": both see Bob's line and title go, live; the preview now shows the current
  // document with them struck through.
  await alice.editor.versionOption(/Start/).click()
  await alice.editor.previewShown()
  expect(await alice.editor.previewBlocks()).toEqual(['Alice starts the plan.'])
  await alice.editor.restoreSelectedVersion()
  await expect.poll(() => bob.editor.blocks()).toEqual(['Alice starts the plan.'])
  await expect(bob.editor.title).toHaveValue('Plan')
  expect(await alice.editor.previewShown()).toBe('current')
  await expect.poll(() => deleted(alice.editor)).toBe('Bob adds a line.')
  await alice.editor.closeHistory()
  await expect.poll(() => alice.editor.blocks()).toEqual(['Alice starts the plan.'])
  await expect(alice.editor.title).toHaveValue('Plan')

  // Undo: restore the version saved just before the restore.
  await alice.editor.openHistory()
  await alice.editor.versionOption(/Before restore/).click()
  await alice.editor.previewShown()
  expect(await alice.editor.previewBlocks()).toEqual(['Alice starts the plan.', 'Bob adds a line.'])
  await alice.editor.restoreSelectedVersion()
  for (const editor of [alice.editor, bob.editor]) {
    await expect.poll(() => editor.blocks()).toEqual(['Alice starts the plan.', 'Bob adds a line.'])
    await expect(editor.title).toHaveValue('Plan v2')
  }
  await bob.editor.waitSaved()
})

test('with the keyboard alone: History opens on the list, the timeslider steps through every version, a copy opens in a new tab, Escape closes', async ({
  users,
}) => {
  const alice = await users('Alice', ALICE)
  const editor = alice.editor
  const page = editor.page
  await editor.createDocument()
  await editor.title.fill('Notes')
  await editor.typeAtEnd('One.')
  await editor.waitSaved()
  await editor.openHistory()
  await editor.nameCurrentVersion('First')
  await editor.closeHistory()
  await editor.typeAtEnd('Two.', { newParagraph: true })
  await editor.waitSaved()

  // Open from the keyboard: the focus lands on the selected entry, the current document.
  await editor.historyButton.focus()
  await page.keyboard.press('Enter')
  await expect(editor.versionOption(/^Current version/)).toBeFocused()
  await expect(editor.historyButton).toHaveAttribute('aria-expanded', 'true')
  expect(await editor.previewShown()).toBe('current')
  await expect.poll(() => insertedBy(editor, 'Alice')).toBe('Two.')

  // The list: arrow down to the older version, which shows everything as new.
  await page.keyboard.press('ArrowDown')
  await expect(editor.versionOption(/First/)).toBeFocused()
  await expect(editor.versionOption(/First/)).toHaveAttribute('aria-selected', 'true')
  const first = await editor.previewShown()
  expect(await editor.previewBlocks()).toEqual(['One.'])

  // The timeslider: End, Home and the arrows, the list and preview following.
  await editor.timeslider.focus()
  await page.keyboard.press('End')
  await expect(editor.timeslider).toHaveAttribute('aria-valuetext', 'Current version')
  expect(await editor.previewShown()).toBe('current')
  await page.keyboard.press('Home')
  await expect(editor.timeslider).toHaveAttribute('aria-valuetext', /^First, Today, /)
  expect(await editor.previewShown()).toBe(first)
  await page.keyboard.press('ArrowRight')
  expect(await editor.previewShown()).toBe('current')
  await page.keyboard.press('ArrowLeft')
  expect(await editor.previewShown()).toBe(first)
  await expect(editor.versionOption(/First/)).toHaveAttribute('aria-selected', 'true')

  // Any two versions: the current document against "First", then against nothing.
  await page.keyboard.press('End')
  const compare = editor.historyPanel.getByLabel('Compare with')
  await compare.selectOption(`v:${first}`)
  expect(await editor.previewShown()).toBe('current')
  await expect(editor.historyPreview).toHaveAttribute('data-base', first)
  await compare.selectOption('none')
  await expect(editor.historyPreview).toHaveAttribute('data-base', 'same')
  await expect(editor.historyPreview.locator('ins, del')).toHaveCount(0)
  await compare.selectOption('previous')
  await editor.timeslider.focus()
  await page.keyboard.press('Home')
  expect(await editor.previewShown()).toBe(first)

  // Make a copy of "First": a new document in a new tab, with that content, saved on the server.
  const copyButton = editor.historyPanel.getByRole('button', { name: 'Make a copy' })
  await copyButton.focus()
  const opened = alice.context.waitForEvent('page')
  await page.keyboard.press('Enter')
  const copy = new EditorPage(await opened)
  await copy.page.waitForURL(/\/d\/[A-Za-z0-9_-]+$/)
  await copy.waitSynced()
  await expect(copy.title).toHaveValue('Copy of Notes')
  await expect.poll(() => copy.blocks()).toEqual(['One.'])
  await copy.waitSaved()
  await expect(editor.historyPanel.getByRole('status')).toContainText(
    'The copy opened in a new tab',
  )
  expect(linkId(copy.page.url())).not.toBe(linkId(page.url()))
  await copy.page.close()

  // Escape closes, and the focus goes back to the History button.
  await editor.timeslider.focus()
  await page.keyboard.press('Escape')
  await expect(editor.historyPanel).toHaveCount(0)
  await expect(editor.historyButton).toBeFocused()
  expect(await editor.blocks()).toEqual(['One.', 'Two.'])
})

test('a view link shows no History button, and the history API refuses it', async ({ users }) => {
  const alice = await users('Alice', ALICE)
  const vic = await users('Vic', BOB)
  await alice.editor.createDocument()
  await alice.editor.typeAtEnd('Private draft.')
  await alice.editor.waitSaved()
  await alice.editor.openShare()
  const viewPath = await alice.editor.sharedPath('View-only link')
  await alice.editor.closeShare()

  await vic.editor.open(viewPath)
  await expect(vic.editor.text).toContainText('Private draft.')
  await expect(vic.editor.historyButton).toHaveCount(0)
  await expect(alice.editor.historyButton).toBeVisible()
  const response = await vic.context.request.get(`/api/docs/${linkId(viewPath)}/versions`)
  expect(response.status()).toBe(403)
})

// Pictures for the closing note and for checking the layout by eye: run with
// HISTORY_SHOTS=/some/dir to write them there.
const shotsDir = process.env.HISTORY_SHOTS
test('screenshots of the History panel: desktop light and dark, 375 px wide', async ({ users }) => {
  test.skip(!shotsDir, 'writes screenshots: set HISTORY_SHOTS to a directory')
  const dir = shotsDir as string
  fs.mkdirSync(dir, { recursive: true })
  const alice = await users('Alice', '#c84f94')
  const bob = await users('Bob', BOB)
  const page = alice.editor.page
  await page.setViewportSize({ width: 1280, height: 800 })
  const docPath = await alice.editor.createDocument()
  await alice.editor.title.fill('Trip to the coast')
  await alice.editor.typeAtEnd('We leave on Friday morning and take the coastal road.')
  await alice.editor.typeAtEnd('Lunch in the harbour town, then the cliffs.', {
    newParagraph: true,
  })
  await alice.editor.waitSaved()
  await alice.editor.openHistory()
  await alice.editor.nameCurrentVersion('First outline')
  await alice.editor.closeHistory()

  await bob.editor.open(docPath)
  await bob.editor.caretToEndOfParagraph(0)
  for (let i = 0; i < ' morning and take the coastal road.'.length; i++) {
    await bob.editor.page.keyboard.press('Backspace')
  }
  await bob.editor.page.keyboard.type(' at eight; Bob drives the first leg.')
  await bob.editor.typeAtEnd('Packing: rain jackets and sandwiches.', { newParagraph: true })
  await bob.editor.waitSaved()
  await expect.poll(() => alice.editor.blocks()).toContain('Packing: rain jackets and sandwiches.')
  await alice.editor.openHistory()
  await alice.editor.nameCurrentVersion('Draft for review')
  await alice.editor.previewShown()
  await page.locator(':focus').blur()

  await page.screenshot({ path: path.join(dir, 'history-desktop-light.png') })
  await page.emulateMedia({ colorScheme: 'dark' })
  await alice.editor.previewShown()
  await page.screenshot({ path: path.join(dir, 'history-desktop-dark.png') })
  await page.emulateMedia({ colorScheme: 'light' })
  await page.setViewportSize({ width: 375, height: 740 })
  await alice.editor.previewShown()
  await page.screenshot({ path: path.join(dir, 'history-375-light.png') })
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.screenshot({ path: path.join(dir, 'history-375-dark.png') })
  await page.emulateMedia({ colorScheme: 'light' })
  await alice.editor.historyPanel.getByRole('button', { name: 'Restore this version' }).click()
  await page.screenshot({ path: path.join(dir, 'history-375-restore-dialog.png') })
  await page
    .getByRole('dialog', { name: 'Restore this version?' })
    .getByRole('button', { name: 'Cancel' })
    .click()
  await alice.editor.historyPanel.getByRole('button', { name: 'Versions and actions' }).click()
  await expect(alice.editor.versionList).toBeHidden()
  await page.screenshot({ path: path.join(dir, 'history-375-folded.png') })
})
