import { expect, test } from '../fixtures/test.js'

test('"All changes saved" means the server kept it, across a restart', async ({
  users,
  server,
}) => {
  const alice = await users('Alice', '#d94f4f')
  const path = await alice.editor.createDocument()
  await alice.editor.typeAtEnd('This must survive a restart.')
  await alice.editor.waitSaved()

  await server.restart()
  // The open page reconnects to the restarted server on its own.
  await alice.editor.waitSynced()

  // A fresh browser profile has no local copy: what it shows came from the server's disk.
  const carol = await users('Carol', '#4f9d52')
  await carol.editor.open(path)
  await expect(carol.editor.text).toContainText('This must survive a restart.')
})
