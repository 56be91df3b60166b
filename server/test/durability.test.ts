import path from 'node:path'
import Database from 'better-sqlite3'
import * as Y from 'yjs'
import { describe, expect, test } from 'vitest'
import { CloseCode } from '@tandem/shared'
import { MemoryStore } from '../src/storage/MemoryStore.js'
import { checksum } from '../src/storage/checksum.js'
import {
  connect,
  createDocument,
  metric,
  rawSocket,
  startServer,
  synced,
  waitFor,
  useServers,
} from './helpers.js'

const servers = useServers()
const server = (env: Record<string, string> = {}, store?: MemoryStore) =>
  servers(env, store ? { createStore: () => store } : {})

function dbOf(s: { dataDir: string }): Database.Database {
  return new Database(path.join(s.dataDir, 'tandem.db'))
}

describe('durability', () => {
  test('compaction keeps the content identical', async () => {
    const first = await startServer({ COMPACT_AFTER_UPDATES: '10' })
    const id = await createDocument(first)
    const a = connect(first.ws, id, { params: { ack: '1' } })
    await synced(a)
    let edits = 0
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 12; i++) {
        a.text.insert(a.text.length, `${round}.${i},`)
        edits++
        if (i % 5 === 0) {
          a.text.delete(0, 1)
          edits++
        }
      }
      await waitFor(async () => (await metric(first, 'tandem_updates_in_total')) >= edits, {
        what: `round ${round} committed`,
      })
    }
    expect(await metric(first, 'tandem_compactions_total')).toBeGreaterThanOrEqual(3)
    const expected = a.text.toString()
    const expectedState = Y.encodeStateVector(a.doc)
    a.destroy()
    await first.close()
    const db = dbOf(first)
    const logRows = db.prepare('SELECT count(*) AS n FROM updates').get() as { n: number }
    const snapshots = db.prepare('SELECT count(*) AS n FROM snapshots').get() as { n: number }
    db.close()
    expect(snapshots.n).toBe(1)
    expect(logRows.n).toBe(0) // unload compacts what was left
    const second = await server({ DATA_DIR: first.dataDir })
    const b = connect(second.ws, id)
    await synced(b)
    expect(b.text.toString()).toBe(expected)
    expect(Y.encodeStateVector(b.doc)).toEqual(expectedState)
  })

  test('a bad-checksum record and an unappliable record are quarantined; the rest loads', async () => {
    const first = await startServer()
    const id = await createDocument(first)
    const a = connect(first.ws, id)
    await synced(a)
    a.text.insert(0, 'kept')
    await waitFor(async () => (await metric(first, 'tandem_updates_in_total')) >= 1)
    a.destroy()
    await first.close()

    // Three more log records: garbage with a valid checksum, a valid edit whose bytes rotted
    // on disk, and a valid edit that must still load.
    const writer = new Y.Doc()
    const updates: Uint8Array[] = []
    writer.on('update', (u: Uint8Array) => updates.push(u))
    writer.getText('t').insert(0, 'rotten ')
    writer.getText('t').insert(0, 'fresh ')
    const db = dbOf(first)
    const { docId } = db.prepare('SELECT doc_id AS docId FROM links WHERE token = ?').get(id) as {
      docId: string
    }
    const { upto } = db
      .prepare('SELECT coalesce(max(upto_seq), 0) AS upto FROM snapshots WHERE doc_id = ?')
      .get(docId) as { upto: number }
    const insert = db.prepare('INSERT INTO updates (doc_id, seq, data, crc) VALUES (?, ?, ?, ?)')
    const garbage = Buffer.from([1, 1, 200, 1, 0, 7, 7, 7])
    insert.run(docId, upto + 1, garbage, checksum(garbage))
    insert.run(docId, upto + 2, Buffer.from(updates[0] as Uint8Array), 12345)
    insert.run(docId, upto + 3, Buffer.from(updates[1] as Uint8Array), checksum(updates[1]!))
    db.close()

    const second = await server({ DATA_DIR: first.dataDir })
    const b = connect(second.ws, id)
    await synced(b)
    await waitFor(() => b.text.toString().includes('kept'), { what: 'the good content' })
    expect(await metric(second, 'tandem_quarantined_records_total')).toBe(2)
    const check = dbOf(first)
    const rows = check.prepare('SELECT reason FROM quarantine ORDER BY seq').all()
    check.close()
    expect(rows).toEqual([{ reason: 'failed to apply' }, { reason: 'checksum mismatch' }])
  })

  test('a snapshot that fails to apply is quarantined and the document reloads from the log', async () => {
    const first = await startServer()
    const id = await createDocument(first)
    const a = connect(first.ws, id)
    await synced(a)
    a.text.insert(0, 'compacted away ')
    await waitFor(async () => (await metric(first, 'tandem_updates_in_total')) >= 1)
    a.destroy()
    await first.close() // shutting down compacts: the edit now lives in a snapshot

    // The snapshot's bytes replaced by garbage with a valid checksum, and one log record after it.
    const db = dbOf(first)
    const { docId } = db.prepare('SELECT doc_id AS docId FROM links WHERE token = ?').get(id) as {
      docId: string
    }
    const { upto } = db
      .prepare('SELECT upto_seq AS upto FROM snapshots WHERE doc_id = ?')
      .get(docId) as { upto: number }
    const garbage = Buffer.from([1, 2, 3])
    db.prepare('UPDATE snapshots SET data = ?, crc = ? WHERE doc_id = ?').run(
      garbage,
      checksum(garbage),
      docId,
    )
    const writer = new Y.Doc()
    let later: Uint8Array | undefined
    writer.on('update', (u: Uint8Array) => (later = u))
    writer.getText('t').insert(0, 'written later')
    db.prepare('INSERT INTO updates (doc_id, seq, data, crc) VALUES (?, ?, ?, ?)').run(
      docId,
      upto + 1,
      Buffer.from(later as Uint8Array),
      checksum(later as Uint8Array),
    )
    db.close()

    const second = await server({ DATA_DIR: first.dataDir })
    // The load that meets the snapshot fails, retryably; nothing half-applied is ever served.
    const raw = rawSocket(`${second.ws}/${id}`)
    expect((await raw.closed).code).toBe(CloseCode.loadFailure)
    const b = connect(second.ws, id)
    await waitFor(() => b.text.toString() === 'written later', { what: 'the log after it' })
    const check = dbOf(first)
    const rows = check.prepare('SELECT kind, reason FROM quarantine').all()
    check.close()
    expect(rows).toEqual([{ kind: 'snapshot', reason: 'failed to apply' }])
  })

  test('a failed commit is never acknowledged or relayed; the client resends after reconnecting', async () => {
    const store = new MemoryStore()
    const s = await server({ STORAGE: 'memory' }, store)
    const id = await createDocument(s)
    const a = connect(s.ws, id, { params: { ack: '1' } })
    const b = connect(s.ws, id)
    await Promise.all([synced(a), synced(b)])
    await waitFor(() => a.acked() >= 1)
    const ackedBefore = a.acked()
    const closes: number[] = []
    a.provider.on('connection-close', (event) => {
      if (event) closes.push(event.code)
    })
    store.failCommitsWith = new Error('disk full')
    a.text.insert(0, 'must not be lost')
    await waitFor(() => closes.includes(CloseCode.storageFailure), { what: 'close 4500' })
    expect(a.acked()).toBeLessThanOrEqual(ackedBefore)
    expect(b.text.toString()).toBe('')
    expect(await metric(s, 'tandem_commit_failures_total')).toBeGreaterThanOrEqual(1)
    store.failCommitsWith = undefined
    // The stock client reconnects by itself (4500 is retryable) and its sync step 2 resends.
    await waitFor(() => b.text.toString() === 'must not be lost', {
      what: 'the edit after reconnect',
    })
  })
})
