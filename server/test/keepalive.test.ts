import { expect, test } from 'vitest'
import {
  cleanupDirs,
  connect,
  createDocument,
  destroyClients,
  startServer,
  synced,
} from './helpers.js'

// The stock client drops and reopens any socket that has heard nothing for 30 s. A person
// editing alone must still hear from the server: it echoes awareness back to its sender.
test('a lone client stays connected past 30 s of silence', async () => {
  const s = await startServer()
  try {
    const id = await createDocument(s)
    const alone = connect(s.ws, id)
    await synced(alone)
    const firstSocket = alone.provider.ws
    let disconnects = 0
    alone.provider.on('status', ({ status }) => {
      if (status === 'disconnected') disconnects++
    })
    // The stock client renews its awareness every 15 s and the server echoes it. Wait for the
    // first message that arrives more than 31 s after sync (the echo at about 45 s): by then the
    // client's 30 s watchdog has run many times, so an unchanged socket proves it never fired.
    const started = Date.now()
    let echoes = 0
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('no message within 55 s')), 55_000)
      firstSocket?.addEventListener('message', () => {
        echoes++
        if (Date.now() - started > 31_000) {
          clearTimeout(deadline)
          resolve()
        }
      })
    })
    expect(echoes).toBeGreaterThanOrEqual(2)
    expect(disconnects).toBe(0)
    expect(alone.provider.ws).toBe(firstSocket)
    expect(alone.provider.wsconnected).toBe(true)
  } finally {
    destroyClients()
    await s.close()
    await cleanupDirs()
  }
}, 70_000)
