import net from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { StoreError } from '../src/storage/errors.js'
import { PostgresStore } from '../src/storage/postgres/PostgresStore.js'
import { SCHEMA_VERSION } from '../src/storage/postgres/schema.js'
import { waitFor } from './helpers.js'
import {
  createTestDatabase,
  maintenanceUrl,
  postgresUnavailable,
  withClient,
  type TestDatabase,
} from './pgTestDatabase.js'
import { storeContract } from './storeContract.js'

// The PostgreSQL store: the contract, and what only it does.

const bytes = (...values: number[]) => new Uint8Array(values)
const code = (err: unknown) => (err instanceof StoreError ? err.code : err)

// PostgreSQL: a database of its own for every test, dropped after it. Without a server to run
// on, the tests are skipped with the reason, never failed.
const pgProblem = await postgresUnavailable()
if (pgProblem) {
  console.log(`Skipping the PostgreSQL store tests: ${pgProblem}`)
  describe.skip(`store contract: postgres (skipped: ${pgProblem})`, () => {
    test('needs a PostgreSQL server', () => {})
  })
} else {
  storeContract('postgres', async () => {
    const db = await createTestDatabase()
    let store: PostgresStore
    try {
      store = await PostgresStore.open(db.url)
    } catch (err) {
      await db.drop()
      throw err
    }
    return {
      store,
      corrupt: (docId, seq) => flipFirstByte(db, 'doc_updates', docId, seq),
      corruptVersion: (docId, versionId) =>
        withClient(db.url, (client) =>
          client.query(
            `UPDATE doc_versions SET data = set_byte(data, 0, get_byte(data, 0) # 255)
             WHERE doc_id = $1 AND id = $2`,
            [docId, versionId],
          ),
        ).then(() => undefined),
      dropIndexRow: (docId) =>
        withClient(db.url, (client) =>
          client.query('DELETE FROM doc_text WHERE doc_id = $1', [docId]),
        ).then(() => undefined),
      async reopen() {
        await store.close()
        return PostgresStore.open(db.url)
      },
      teardown: () => db.drop(),
    }
  })
  postgresSpecifics()
}

/** Damages a stored record the way a disk would: its checksum no longer matches. */
async function flipFirstByte(
  db: TestDatabase,
  table: 'doc_updates' | 'doc_snapshots',
  docId: string,
  seq: number,
): Promise<void> {
  const seqColumn = table === 'doc_updates' ? 'seq' : 'upto_seq'
  await withClient(db.url, (client) =>
    client.query(
      `UPDATE ${table} SET data = set_byte(data, 0, get_byte(data, 0) # 255)
       WHERE doc_id = $1 AND ${seqColumn} = $2`,
      [docId, seq],
    ),
  )
}

function postgresSpecifics(): void {
  describe('postgres specifics', () => {
    const databases: TestDatabase[] = []
    const stores: PostgresStore[] = []
    const servers: net.Server[] = []
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.close().catch(() => {})))
      await Promise.all(databases.splice(0).map((db) => db.drop()))
      for (const server of servers.splice(0)) server.close()
    })
    const freshDatabase = async () => {
      const db = await createTestDatabase()
      databases.push(db)
      return db
    }
    const open = async (url: string) => {
      const store = await PostgresStore.open(url)
      stores.push(store)
      return store
    }

    test('five instances migrating one fresh database at once all succeed, with one schema', async () => {
      const db = await freshDatabase()
      const five = await Promise.all([1, 2, 3, 4, 5].map(() => open(db.url)))
      const versions = await withClient(db.url, (client) =>
        client.query<{ version: number }>('SELECT version FROM tandem_schema ORDER BY version'),
      )
      expect(versions.rows.map((r) => r.version)).toEqual(
        Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
      )
      await Promise.all(five.map((store, i) => store.createDocument(`doc${i}`, [])))
      expect((await five[0]!.heads(['doc0', 'doc4'])).size).toBe(2)
    })

    test('200 appends from four instances to one document get seqs 1..200, each once', async () => {
      const db = await freshDatabase()
      const four = await Promise.all([1, 2, 3, 4].map(() => open(db.url)))
      await four[0]!.createDocument('shared', [])
      const appends: Promise<{ n: number; seq: number }>[] = []
      // Ten ticks, each with five appends per instance: every instance commits several batches,
      // and the instances' batches race for the document's row.
      for (let tick = 0; tick < 10; tick++) {
        four.forEach((store, s) => {
          for (let k = 0; k < 5; k++) {
            const n = tick * 20 + s * 5 + k
            appends.push(store.append('shared', bytes(n, 7)).then((seq) => ({ n, seq })))
          }
        })
        await new Promise((resolve) => setImmediate(resolve))
      }
      const results = await Promise.all(appends)
      expect(results.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 200 }, (_, i) => i + 1),
      )
      const loaded = await four[3]!.load('shared')
      expect(loaded.head).toBe(200)
      const stored = new Map(loaded.updates.map((u) => [u.seq, u.data[0]]))
      for (const { n, seq } of results) expect(stored.get(seq)).toBe(n)
      expect((await four[1]!.getMeta('shared'))?.sizeBytes).toBe(400)
    })

    test('a commit whose connection dies is rejected, never acknowledged, and not stored', async () => {
      const db = await freshDatabase()
      const store = await open(db.url)
      await store.createDocument('d', [])
      expect(await store.append('d', bytes(1))).toBe(1)
      await withClient(db.url, async (blocker) => {
        // Hold the document's row so the next commit waits, then kill the backend running it.
        await blocker.query('BEGIN')
        await blocker.query("SELECT 1 FROM documents WHERE id = 'd' FOR UPDATE")
        const outcome = store.append('d', bytes(2)).then(() => 'acknowledged', code)
        let pid: number | undefined
        await waitFor(
          async () => {
            pid = await withClient(maintenanceUrl(), async (admin) => {
              const { rows } = await admin.query<{ pid: number }>(
                `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`,
                [db.name],
              )
              return rows[0]?.pid
            })
            return pid !== undefined
          },
          { what: 'the commit to wait for the row lock' },
        )
        await withClient(maintenanceUrl(), (admin) =>
          admin.query('SELECT pg_terminate_backend($1)', [pid]),
        )
        expect(await outcome).toBe('commit-failed')
        await blocker.query('ROLLBACK')
      })
      // Nothing of it was stored, no seq was used up, and the store carries on.
      expect((await store.load('d')).updates.map((u) => [...u.data])).toEqual([[1]])
      expect(await store.append('d', bytes(3))).toBe(2)
      await expect(store.ping()).resolves.toBeUndefined()
    })

    test('a database that refuses connections: ping and append are refused with unavailable', async () => {
      const port = await closedPort()
      const store = new PostgresStore({ url: `postgres://postgres@127.0.0.1:${port}/none` })
      stores.push(store)
      expect(await store.ping().catch(code)).toBe('unavailable')
      expect(await store.append('d', bytes(1)).catch(code)).toBe('unavailable')
      expect(await store.load('d').catch(code)).toBe('unavailable')
    })

    test('a database that stops answering fails ping within two seconds', async () => {
      // Accepts TCP connections and never says a word, like a hung server or a dead network.
      const silent = net.createServer(() => {})
      servers.push(silent)
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
      const { port } = silent.address() as net.AddressInfo
      const store = new PostgresStore({ url: `postgres://postgres@127.0.0.1:${port}/none` })
      stores.push(store)
      const started = Date.now()
      expect(await store.ping().catch(code)).toBe('unavailable')
      expect(Date.now() - started).toBeLessThan(2_500)
      expect(await store.append('d', bytes(1)).catch(code)).toBe('unavailable')
    })

    test('refuses a database whose schema is newer than the code', async () => {
      const db = await freshDatabase()
      await (await PostgresStore.open(db.url)).close()
      await withClient(db.url, (client) => client.query('INSERT INTO tandem_schema VALUES (99)'))
      await expect(PostgresStore.open(db.url)).rejects.toThrow(/newer/)
    })

    test('acknowledged appends wait for the disk: synchronous_commit is on', async () => {
      const store = await open((await freshDatabase()).url)
      expect((await store.durabilitySettings()).synchronousCommit).toBe('on')
    })

    test('a snapshot failing its checksum is quarantined, kept and counted; the log after loads', async () => {
      const db = await freshDatabase()
      let quarantined = 0
      const store = await PostgresStore.open(db.url, { onQuarantine: (n) => (quarantined += n) })
      stores.push(store)
      await store.createDocument('d', [])
      const first = await store.append('d', bytes(1))
      await store.compact('d', bytes(9, 9), first)
      await store.append('d', bytes(2))
      await flipFirstByte(db, 'doc_snapshots', 'd', first)
      const loaded = await store.load('d')
      expect(loaded.snapshot).toBeUndefined()
      expect(loaded.quarantined).toBe(1)
      expect(loaded.updates.map((u) => [...u.data])).toEqual([[2]])
      expect(quarantined).toBe(1)
      const kept = await withClient(db.url, (client) =>
        client.query<{ kind: string; seq: string; reason: string }>(
          'SELECT kind, seq, reason FROM quarantine',
        ),
      )
      expect(kept.rows).toEqual([
        { kind: 'snapshot', seq: String(first), reason: 'checksum mismatch' },
      ])
    })

    test('appending to a document that does not exist creates it', async () => {
      const store = await open((await freshDatabase()).url)
      expect(await store.append('new', bytes(1, 2))).toBe(1)
      expect((await store.getMeta('new'))?.sizeBytes).toBe(2)
      expect(Object.fromEntries(await store.heads(['new']))).toEqual({ new: 1 })
    })

    test("another instance's compaction and appends interleave without losing a record", async () => {
      const db = await freshDatabase()
      const [a, b] = await Promise.all([open(db.url), open(db.url)])
      await a.createDocument('d', [])
      for (let i = 1; i <= 10; i++) await a.append('d', bytes(i))
      const more = Array.from({ length: 10 }, (_, i) => a.append('d', bytes(11 + i)))
      await b.compact('d', bytes(0, 0, 0), 5)
      await Promise.all(more)
      const loaded = await b.load('d')
      expect(loaded.snapshot?.uptoSeq).toBe(5)
      expect(loaded.updates.map((u) => u.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 6))
      expect((await b.getMeta('d'))?.sizeBytes).toBe(3 + 15)
    })
  })
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
