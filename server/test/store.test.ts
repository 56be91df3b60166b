import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, test } from 'vitest'
import { MemoryStore } from '../src/storage/MemoryStore.js'
import { SqliteStore } from '../src/storage/sqlite/SqliteStore.js'
import { cleanupDirs, tempDir } from './helpers.js'
import { storeContract } from './storeContract.js'

afterAll(cleanupDirs)

storeContract('memory', async () => {
  const store = new MemoryStore()
  return {
    store,
    corrupt(docId, seq) {
      const record = store.records(docId).find((r) => r.seq === seq)
      if (record) record.data[0] = (record.data[0] ?? 0) ^ 0xff
    },
  }
})

storeContract('sqlite', async () => {
  const file = path.join(await tempDir(), 'tandem.db')
  const store = new SqliteStore({ file })
  return {
    store,
    corrupt(docId, seq) {
      const db = new Database(file)
      db.prepare(
        'UPDATE updates SET data = randomblob(length(data)) WHERE doc_id = ? AND seq = ?',
      ).run(docId, seq)
      db.close()
    },
    async reopen() {
      await store.close()
      return new SqliteStore({ file })
    },
  }
})

describe('sqlite specifics', () => {
  test('uses WAL with synchronous=FULL and records its schema version', async () => {
    const file = path.join(await tempDir(), 'tandem.db')
    const store = new SqliteStore({ file })
    // synchronous is a per-connection setting, so ask the store's own connection.
    expect(store.durabilitySettings()).toEqual({ journalMode: 'wal', synchronous: 'full' })
    await store.close()
    const db = new Database(file, { readonly: true })
    expect(db.pragma('user_version', { simple: true })).toBe(1)
    db.close()
  })

  test('a commit that cannot get the write lock is rejected, not half-stored', async () => {
    const file = path.join(await tempDir(), 'tandem.db')
    const store = new SqliteStore({ file, busyTimeoutMs: 20 })
    await store.createDocument('d', [])
    const blocker = new Database(file)
    blocker.exec('BEGIN IMMEDIATE')
    await expect(store.append('d', new Uint8Array([1]))).rejects.toThrow(/commit/)
    blocker.exec('ROLLBACK')
    blocker.close()
    await store.append('d', new Uint8Array([2]))
    expect((await store.load('d')).updates.map((u) => [...u.data])).toEqual([[2]])
    await store.close()
  })

  test('refuses a database from a newer schema version', async () => {
    const file = path.join(await tempDir(), 'tandem.db')
    const db = new Database(file)
    db.pragma('user_version = 99')
    db.close()
    expect(() => new SqliteStore({ file })).toThrow(/newer/)
  })
})
