import fs from 'node:fs/promises'
import { inflateRawSync } from 'node:zlib'
import type { Download, Page } from '@playwright/test'
import { expect, test } from '../fixtures/test.js'

// Getting text in and out: a file dropped on the home page becomes a document; the document
// menu downloads it as Markdown or HTML, copies it, prints it; the home page zips everything.

/** Drops a file named `name` holding `text` on the home page, as a person dragging it would. */
async function dropFile(page: Page, name: string, text: string, type: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ name, text, type }) => {
      const transfer = new DataTransfer()
      transfer.items.add(new File([text], name, { type }))
      return transfer
    },
    { name, text, type },
  )
  await page.dispatchEvent('body', 'dragenter', { dataTransfer })
  await expect(page.getByTestId('file-drop')).toContainText('Drop to import')
  await page.dispatchEvent('body', 'dragover', { dataTransfer })
  await page.dispatchEvent('body', 'drop', { dataTransfer })
}

async function downloaded(download: Download): Promise<string> {
  return fs.readFile(await download.path(), 'utf8')
}

test('a Markdown file dropped on the home page opens as a new document', async ({ users }) => {
  const alice = await users('Alice', '#d94f4f')
  const { page } = alice.editor
  await alice.editor.gotoHome()

  await dropFile(
    page,
    'trip.md',
    '# Trip notes\n\nPack **boots** and a [map](https://example.com/map).\n\n- [x] tickets\n- [ ] tent\n',
    'text/markdown',
  )

  await expect(page).toHaveURL(/\/d\/[A-Za-z0-9_-]+$/)
  await alice.editor.waitSynced()
  // The leading heading became the title, and left the text.
  await expect(alice.editor.title).toHaveValue('Trip notes')
  await expect(alice.editor.text.locator('strong')).toHaveText('boots')
  await expect(alice.editor.text.locator('a')).toHaveAttribute('href', 'https://example.com/map')
  const tickets = alice.editor.text.locator('li[data-checked]', { hasText: 'tickets' })
  await expect(tickets.getByRole('checkbox')).toBeChecked()
  const tent = alice.editor.text.locator('li[data-checked]', { hasText: 'tent' })
  await expect(tent.getByRole('checkbox')).not.toBeChecked()
  expect(await alice.editor.blocks()).not.toContain('Trip notes')
  await expect(page.getByTestId('file-drop')).toHaveCount(0)

  // Without a heading, the file's name is the title; a text file's characters stay text.
  await alice.editor.gotoHome()
  await dropFile(page, 'shopping list.txt', 'eggs *and* <b>milk</b>\nbread', 'text/plain')
  await expect(page).toHaveURL(/\/d\/[A-Za-z0-9_-]+$/)
  await alice.editor.waitSynced()
  await expect(alice.editor.title).toHaveValue('shopping list')
  await expect(alice.editor.text).toContainText('eggs *and* <b>milk</b>')
  await expect(alice.editor.text.locator('br')).toHaveCount(1)
})

test('the Import button imports a chosen HTML file; a wrong file says why', async ({ users }) => {
  const alice = await users('Alice', '#d94f4f')
  const { page } = alice.editor
  await alice.editor.gotoHome()

  await page.getByTestId('import-input').setInputFiles({
    name: 'picture.png',
    mimeType: 'image/png',
    buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
  })
  await expect(page.getByRole('alert')).toContainText('is not a file Tandem imports')
  await expect(page).toHaveURL(/\/$/)

  await page.getByTestId('import-input').setInputFiles({
    name: 'page.html',
    mimeType: 'text/html',
    buffer: Buffer.from(
      '<html><body><h1>From the web</h1><p onclick="alert(1)">Safe <script>alert(2)</script>text</p></body></html>',
    ),
  })
  await expect(page).toHaveURL(/\/d\/[A-Za-z0-9_-]+$/)
  await alice.editor.waitSynced()
  await expect(alice.editor.title).toHaveValue('From the web')
  await expect(alice.editor.text).toHaveText('Safe text')
})

test('the document menu downloads Markdown and HTML, copies Markdown, and prints only the text', async ({
  users,
}) => {
  const alice = await users('Alice', '#d94f4f')
  const { page } = alice.editor
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'])
  await alice.editor.createDocument()
  await alice.editor.title.fill('Road trip')
  await alice.editor.typeAtEnd('Bring ')
  await page.keyboard.press('ControlOrMeta+b')
  await page.keyboard.type('snacks')
  await page.keyboard.press('ControlOrMeta+b')
  await page.keyboard.type('.')
  await page.keyboard.press('Enter')
  await page.keyboard.type('- maps')

  const menu = page.getByRole('button', { name: 'Export' })
  const item = (name: string) => page.getByRole('menuitem', { name })
  const expected = '# Road trip\n\nBring **snacks**.\n\n- maps\n'

  await menu.click()
  const [markdown] = await Promise.all([
    page.waitForEvent('download'),
    item('Download as Markdown').click(),
  ])
  expect(markdown.suggestedFilename()).toBe('Road trip.md')
  expect(await downloaded(markdown)).toBe(expected)
  // The menu closed and gave the focus back to its button.
  await expect(page.getByRole('menu')).toHaveCount(0)
  await expect(menu).toBeFocused()

  // The server's export of the same document is the same file, once the edits are saved.
  await alice.editor.waitSaved()
  const id = new URL(page.url()).pathname.split('/').pop() ?? ''
  const fromServer = await page.request.get(`/api/docs/${id}/export?format=md`)
  expect(await fromServer.text()).toBe(expected)

  // With the keyboard: open with Enter, move with the arrows.
  await menu.press('Enter')
  await expect(item('Download as Markdown')).toBeFocused()
  await page.keyboard.press('ArrowDown')
  await expect(item('Download as HTML')).toBeFocused()
  const [html] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')])
  expect(html.suggestedFilename()).toBe('Road trip.html')
  const page2 = await downloaded(html)
  expect(page2).toMatch(/^<!doctype html>\n<html><head><meta charset="utf-8">/)
  expect(page2).toContain('<title>Road trip</title>')
  expect(page2).toContain('<h1>Road trip</h1><p>Bring <strong>snacks</strong>.</p>')

  await menu.click()
  await item('Copy as Markdown').click()
  await expect(page.getByRole('status').filter({ hasText: 'Copied as Markdown' })).toBeVisible()
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(expected)

  // Printed, only the title and the text show: no header, toolbar or status bar.
  await page.emulateMedia({ media: 'print' })
  await expect(alice.editor.toolbar).toBeHidden()
  await expect(page.locator('.doc-header')).toBeHidden()
  await expect(page.getByTestId('word-count')).toBeHidden()
  await expect(alice.editor.text).toBeVisible()
  await expect(alice.editor.title).toBeVisible()
  await page.emulateMedia({ media: 'screen' })
  await expect(alice.editor.toolbar).toBeVisible()
})

test('the home page downloads every recent document as one .zip of Markdown files', async ({
  users,
}) => {
  const alice = await users('Alice', '#d94f4f')
  const { page } = alice.editor
  for (const title of ['Plan', 'Plan', 'Grüße']) {
    await alice.editor.createDocument()
    await alice.editor.title.fill(title)
    await alice.editor.typeAtEnd(`Text of ${title}`)
    await alice.editor.waitSaved()
  }
  await alice.editor.gotoHome()
  const [zip] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download all (.zip)' }).click(),
  ])
  expect(zip.suggestedFilename()).toMatch(/^Tandem documents \d{4}-\d{2}-\d{2}\.zip$/)
  const files = unzip(await fs.readFile(await zip.path()))
  expect(Object.keys(files).sort()).toEqual(['Grüße.md', 'Plan (2).md', 'Plan.md'])
  expect(files['Grüße.md']).toBe('# Grüße\n\nText of Grüße\n')
  expect(files['Plan.md']).toBe('# Plan\n\nText of Plan\n')
  await expect(page.getByRole('status').filter({ hasText: 'Downloaded 3 documents' })).toBeVisible()
})

/** The files of a zip archive (stored or deflated entries, as fflate writes them) as text. */
function unzip(archive: Buffer): Record<string, string> {
  const files: Record<string, string> = {}
  let offset = 0
  // Local file headers, one per entry, until the central directory starts.
  while (archive.readUInt32LE(offset) === 0x04034b50) {
    const method = archive.readUInt16LE(offset + 8)
    const compressedSize = archive.readUInt32LE(offset + 18)
    const nameLength = archive.readUInt16LE(offset + 26)
    const extraLength = archive.readUInt16LE(offset + 28)
    const name = archive.toString('utf8', offset + 30, offset + 30 + nameLength)
    const start = offset + 30 + nameLength + extraLength
    const data = archive.subarray(start, start + compressedSize)
    files[name] = (method === 8 ? inflateRawSync(data) : data).toString('utf8')
    offset = start + compressedSize
  }
  return files
}
