import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, test } from 'vitest'
import { MemoryStore } from '../src/storage/MemoryStore.js'
import {
  MIGRATIONS as SQLITE_MIGRATIONS,
  SCHEMA_VERSION as SQLITE_SCHEMA_VERSION,
} from '../src/storage/sqlite/migrations.js'
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
    corruptVersion(docId, versionId) {
      const version = store.versionRecords(docId).find((v) => v.id === versionId)
      if (version) version.data[0] = (version.data[0] ?? 0) ^ 0xff
    },
    dropIndexRow: (docId) => store.dropIndexedText(docId),
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
    corruptVersion(docId, versionId) {
      const db = new Database(file)
      db.prepare(
        'UPDATE versions SET data = zeroblob(length(data)) WHERE doc_id = ? AND id = ?',
      ).run(docId, versionId)
      db.close()
    },
    dropIndexRow(docId) {
      const db = new Database(file)
      db.prepare(
        'DELETE FROM doc_text_index WHERE rowid = (SELECT id FROM doc_text WHERE doc_id = ?)',
      ).run(docId)
      db.prepare('DELETE FROM doc_text WHERE doc_id = ?').run(docId)
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
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION)
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

  test('migrating to version history keeps quarantined records and quarantines versions too', async () => {
    const file = path.join(await tempDir(), 'tandem.db')
    const old = new Database(file)
    for (const migration of SQLITE_MIGRATIONS.slice(0, 2)) old.exec(migration)
    old.pragma('user_version = 2')
    old
      .prepare(
        `INSERT INTO quarantine (doc_id, kind, seq, data, crc, reason, created_at)
         VALUES ('d', 'update', 3, x'0102', 7, 'checksum mismatch', 1)`,
      )
      .run()
    old.close()
    const store = new SqliteStore({ file })
    await store.createDocument('d', [])
    const saved = await store.saveVersion('d', {
      kind: 'auto',
      name: null,
      createdAt: 1,
      authors: [],
      summary: new Uint8Array([1]),
      data: new Uint8Array([2, 3]),
    })
    const damage = new Database(file)
    damage.prepare("UPDATE versions SET data = x'0000'").run()
    damage.close()
    expect(await store.getVersion('d', saved.id)).toBeUndefined()
    await store.close()
    const db = new Database(file, { readonly: true })
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION)
    const kept = db.prepare('SELECT kind, seq, reason FROM quarantine ORDER BY id').all()
    db.close()
    expect(kept).toEqual([
      { kind: 'update', seq: 3, reason: 'checksum mismatch' },
      { kind: 'version', seq: 1, reason: 'checksum mismatch' },
    ])
  })

  test('documents stored before the search index are unindexed until indexed', async () => {
    const file = path.join(await tempDir(), 'tandem.db')
    const old = new Database(file)
    for (const migration of SQLITE_MIGRATIONS.slice(0, 3)) old.exec(migration)
    old.pragma('user_version = 3')
    old.prepare(`INSERT INTO documents (id, created_at, updated_at) VALUES ('old', 1, 1)`).run()
    old.close()
    const store = new SqliteStore({ file })
    await store.createDocument('new', [])
    expect(await store.unindexed(10)).toEqual(['old'])
    await store.indexText([{ docId: 'old', title: 'Kept', body: 'from before' }])
    expect(await store.unindexed(10)).toEqual([])
    expect((await store.search(['old', 'new'], ['before'], 10)).map((h) => h.docId)).toEqual([
      'old',
    ])
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
