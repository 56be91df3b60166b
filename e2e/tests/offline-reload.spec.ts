import { expect, test } from '../fixtures/test.js'

test('with the server stopped, reloading an open document still shows it', async ({
  users,
  server,
}) => {
  const alice = await users('Alice', '#d94f4f')
  const page = alice.editor.page
  await alice.editor.createDocument()
  await alice.editor.typeAtEnd('Kept on this device.')
  await alice.editor.waitSaved()

  // The service worker installs on the first visit; from the next load on it controls the page.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready
  })
  await page.reload()
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null))
    .toBe(true)
  await alice.editor.waitSynced()

  await server.stop()
  await page.reload()

  await expect(alice.editor.text).toContainText('Kept on this device.')
  await expect(alice.editor.connection).toContainText('Offline')
  await expect(page.getByRole('heading', { name: "Can't reach the server" })).toHaveCount(0)
})
