import { expect, test } from '../fixtures/test.js'

test('the view link opens the document read-only; live edits still arrive; the viewer is marked as viewing', async ({
  users,
}) => {
  const alice = await users('Alice', '#d94f4f')
  const vic = await users('Vic', '#3b82c4')
  await alice.editor.createDocument()
  await alice.editor.title.fill('Minutes')
  await alice.editor.typeAtEnd('First point.')
  await alice.editor.waitSaved()
  await alice.editor.openShare()
  const viewPath = await alice.editor.sharedPath('View-only link')
  await alice.editor.closeShare()

  const viewer = vic.editor
  await viewer.open(viewPath)
  const page = viewer.page
  await expect(viewer.text).toContainText('First point.')
  await expect(viewer.title).toHaveValue('Minutes')
  await expect(page.getByText('View only', { exact: true })).toBeVisible()
  await expect(page.getByRole('note')).toContainText('not change it')
  await expect(viewer.text).toHaveAttribute('contenteditable', 'false')
  await expect(viewer.title).not.toBeEditable()
  await expect(page.getByRole('toolbar')).toHaveCount(0)

  // Typing, formatting shortcuts and deleting change nothing, here or for the editor.
  await viewer.text.click()
  await page.keyboard.press('ControlOrMeta+End')
  await page.keyboard.type('Vic was here')
  await page.keyboard.press('Enter')
  await page.keyboard.press('ControlOrMeta+a')
  await page.keyboard.press('ControlOrMeta+b')
  await page.keyboard.press('ControlOrMeta+Alt+1')
  await page.keyboard.press('Backspace')
  await viewer.title.click()
  await page.keyboard.type(' (edited)')
  expect(await viewer.blocks()).toEqual(['First point.'])
  await expect(viewer.text.locator('strong, h1')).toHaveCount(0)
  await expect(viewer.title).toHaveValue('Minutes')
  await expect(page.getByText('Some changes were not saved')).toHaveCount(0)

  // Live edits from the editor arrive, text and title.
  await alice.editor.typeAtEnd('Second point, written live.', { newParagraph: true })
  await alice.editor.title.fill('Minutes of Monday')
  await expect(viewer.text).toContainText('Second point, written live.')
  await expect(viewer.title).toHaveValue('Minutes of Monday')
  await alice.editor.waitSaved()
  expect(await alice.editor.blocks()).toEqual(['First point.', 'Second point, written live.'])
  await expect(alice.editor.title).toHaveValue('Minutes of Monday')

  // Presence: the editor sees the viewer marked as viewing (the role comes from the server).
  await expect(alice.editor.person('Vic (viewing)')).toBeVisible()
  await expect(alice.editor.person('Alice (you)')).toBeVisible()
  await expect(viewer.person('Vic (you)')).toBeVisible()
  await expect(viewer.person('Alice')).toBeVisible()

  // The viewer's share dialog offers only the view link, and no reset.
  const dialog = await viewer.openShare()
  await expect(viewer.shareRow('View-only link')).toBeVisible()
  expect(await viewer.sharedPath('View-only link')).toBe(viewPath)
  await expect(viewer.shareRow('Edit link')).toHaveCount(0)
  await expect(dialog.getByRole('button', { name: 'Reset link' })).toHaveCount(0)
  await expect(dialog.getByRole('button', { name: 'Copy link' })).toBeVisible()
})
