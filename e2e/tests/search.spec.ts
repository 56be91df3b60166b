import type { Page } from '@playwright/test'
import { linkId, type EditorPage } from '../fixtures/EditorPage.js'
import { expect, test } from '../fixtures/test.js'

// Search across "your documents" (the links this browser holds): as you type on the home page,
// on the server, or over this browser's own copies when offline; a result opens its document
// with the first matching word selected.

/** Creates a document titled `title` holding `text`, and waits until the server has it. */
async function writeDocument(editor: EditorPage, title: string, text: string): Promise<string> {
  const path = await editor.createDocument()
  await editor.title.fill(title)
  await editor.typeAtEnd(text)
  await editor.waitSaved()
  return path
}

/** The ids the server's search finds for `q` among `paths`' links (indexing lags saving). */
async function serverFinds(page: Page, q: string, paths: string[]): Promise<string[]> {
  const response = await page.request.post('/api/search', {
    data: { q, links: paths.map(linkId) },
  })
  expect(response.status()).toBe(200)
  const body = (await response.json()) as { results: Array<{ id: string }> }
  return body.results.map((result) => result.id)
}

/** The text selected in the page, as the person sees it. */
function selectedText(page: Page): Promise<string> {
  return page.evaluate(() => window.getSelection()?.toString() ?? '')
}

test('typing a word on the home page finds the document that holds it, which opens at that word', async ({
  users,
}) => {
  const alice = await users('Alice', '#d94f4f')
  const { page } = alice.editor
  const coast = await writeDocument(
    alice.editor,
    'Trip to the coast',
    'We leave on Friday and have lunch in the harbour town.',
  )
  const groceries = await writeDocument(alice.editor, 'Groceries', 'Bread, milk and apples.')
  // The server indexes within about a second of saving: wait until it has all that was typed
  // (the last word of each).
  await expect
    .poll(() => serverFinds(page, 'harbour town', [coast, groceries]))
    .toEqual([linkId(coast)])
  await expect
    .poll(() => serverFinds(page, 'groceries apples', [coast, groceries]))
    .toEqual([linkId(groceries)])

  await alice.editor.gotoHome()
  const box = page.getByRole('searchbox', { name: 'Search your documents' })
  await page.keyboard.press('/')
  await expect(box).toBeFocused()
  await page.keyboard.type('harbour')

  const results = page.getByRole('list', { name: 'Search results' })
  await expect(results.getByRole('listitem')).toHaveCount(1)
  const result = results.getByRole('link')
  await expect(result).toContainText('Trip to the coast')
  await expect(result).toContainText('lunch in the harbour town')
  await expect(result.locator('mark')).toHaveText(['harbour'])
  await expect(results).not.toContainText('Groceries')
  await expect(alice.editor.recentList).toHaveCount(0)
  await expect(page.getByRole('status').filter({ hasText: '1 document found' })).toHaveCount(1)

  // A word in the title is marked there; a word found nowhere says so.
  await box.fill('groceries')
  await expect(results.getByRole('link').locator('.recent-title mark')).toHaveText(['Groceries'])
  await box.fill('zeppelin')
  await expect(page.getByText('No documents match “zeppelin”.')).toBeVisible()
  // Escape empties the box and the recent list is back.
  await page.keyboard.press('Escape')
  await expect(box).toHaveValue('')
  await expect(alice.editor.recentList.getByRole('listitem')).toHaveCount(2)

  // With the keyboard: the arrow moves to the result, Enter opens it.
  await box.fill('harbour')
  await expect(result.locator('mark')).toHaveText(['harbour'])
  await page.keyboard.press('ArrowDown')
  await expect(result).toBeFocused()
  await page.keyboard.press('Enter')

  await expect(page).toHaveURL(new RegExp(`${coast}(\\?|$)`))
  await alice.editor.waitSynced()
  await expect.poll(() => selectedText(page)).toBe('harbour')
  await expect(alice.editor.text).toBeFocused()
  // Done once: the address no longer asks for it, so a reload does not select it again.
  await expect(page).toHaveURL(new RegExp(`${coast}$`))
})

test('offline, search runs over the copies this browser keeps and still opens the result', async ({
  users,
}) => {
  const alice = await users('Alice', '#d94f4f')
  const { page } = alice.editor
  const cabin = await writeDocument(alice.editor, 'Cabin weekend', 'Firewood, a lantern, maps.')
  await writeDocument(alice.editor, 'Budget', 'Rent, bills and the lantern festival tickets.')
  await writeDocument(alice.editor, 'Packing', 'Boots and a warm coat.')

  // Home within the app (offline, a reload would have to come from the service worker).
  await page.getByRole('link', { name: 'Tandem: your documents' }).click()
  await expect(alice.editor.recentList.getByRole('listitem')).toHaveCount(3)
  await alice.context.setOffline(true)

  await page.keyboard.press('/')
  await page.keyboard.type('firewood lantern')
  await expect(page.getByText('Searching this browser’s copies (offline)')).toBeVisible()
  const results = page.getByRole('list', { name: 'Search results' })
  await expect(results.getByRole('listitem')).toHaveCount(1)
  const result = results.getByRole('link')
  await expect(result).toContainText('Cabin weekend')
  await expect(result.locator('mark')).toHaveText(['Firewood', 'lantern'])
  await expect(
    page.getByRole('status').filter({ hasText: '1 document found in this browser’s copies' }),
  ).toHaveCount(1)

  // One word finds both documents that hold it; the third holds neither.
  await page.getByRole('searchbox', { name: 'Search your documents' }).fill('lantern')
  await expect(results.getByRole('listitem')).toHaveCount(2)
  await expect(results).not.toContainText('Packing')

  await results.getByRole('link', { name: /Cabin weekend/ }).click()
  await expect(page).toHaveURL(new RegExp(`${cabin}(\\?|$)`))
  await expect(alice.editor.connection).toContainText('Offline')
  await expect.poll(() => selectedText(page)).toBe('lantern')
  await expect(page).toHaveURL(new RegExp(`${cabin}$`))
})
