import { execFile } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import type { DocumentStore } from '../src/storage/DocumentStore.js'
import { signedCrc } from '../src/storage/postgres/appendSql.js'
import { PostgresStore } from '../src/storage/postgres/PostgresStore.js'
import { SqliteStore } from '../src/storage/sqlite/SqliteStore.js'
import { ExitCode, migrateSqliteToPostgres } from '../src/tools/sqliteToPostgres.js'
import { cleanupDirs, tempDir } from './helpers.js'
import {
  createTestDatabase,
  postgresUnavailable,
  withClient,
  type TestDatabase,
} from './pgTestDatabase.js'

afterAll(cleanupDirs)

const TOOL = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../dist/tools/sqliteToPostgres.js',
)
const bytes = (...values: number[]) => new Uint8Array(values)
const DOCS = ['a', 'b', 'c']

const pgProblem = await postgresUnavailable()
if (pgProblem) console.log(`Skipping the SQLite → PostgreSQL migration tests: ${pgProblem}`)

describe.skipIf(pgProblem !== undefined)('sqlite → postgres migration tool', () => {
  const databases: TestDatabase[] = []
  const stores: DocumentStore[] = []
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close().catch(() => {})))
    await Promise.all(databases.splice(0).map((db) => db.drop()))
  })

  /** A SQLite database as a single server leaves it: links, logs, a snapshot, quarantine. */
  async function sqliteFixture(): Promise<string> {
    const file = path.join(await tempDir(), 'tandem.db')
    const store = new SqliteStore({ file })
    await store.createDocument('a', [
      { token: 'a-edit', role: 'edit' },
      { token: 'a-view', role: 'view' },
    ])
    await store.createDocument('b', [{ token: 'b-edit', role: 'edit' }])
    await store.createDocument('c', [])
    for (let i = 1; i <= 5; i++) await store.append('a', bytes(1, i))
    await store.compact('a', bytes(9, 9, 9), 3)
    await Promise.all([1, 2, 3].map((i) => store.append('b', bytes(2, i))))
    await store.quarantine('b', 2, 'failed to apply')
    await store.append('c', bytes(3))
    // A deleted document's quarantined record is kept, and copied once.
    await store.createDocument('gone', [])
    await store.quarantine('gone', await store.append('gone', bytes(4)), 'failed to apply')
    await store.delete('gone')
    await store.close()
    return file
  }

  async function run(from: string, to: string) {
    const lines: string[] = []
    const report = await migrateSqliteToPostgres({ from, to, out: (line) => lines.push(line) })
    return { ...report, output: lines.join('\n') }
  }

  /** What a load returns, as plain values. */
  async function contents(store: DocumentStore, docId: string) {
    const loaded = await store.load(docId)
    return {
      snapshot: loaded.snapshot && {
        uptoSeq: loaded.snapshot.uptoSeq,
        data: [...loaded.snapshot.data],
      },
      updates: loaded.updates.map((u) => ({ seq: u.seq, data: [...u.data] })),
      head: loaded.head,
      links: (await store.linksOf(docId)).map((l) => `${l.role}:${l.token}`).sort(),
    }
  }

  test('copies every document byte for byte, then finds nothing to do', async () => {
    const file = await sqliteFixture()
    const db = await createTestDatabase()
    databases.push(db)

    const first = await run(file, db.url)
    expect(first.exitCode).toBe(ExitCode.ok)
    expect(first.copied).toEqual(DOCS)
    expect(first.output).toMatch(/Verified: 3 document\(s\) in PostgreSQL match SQLite/)
    expect(first.output).toMatch(/updates\s+5\s+5\s+5/) // a: 2 after the snapshot, b: 2, c: 1

    const sqlite = new SqliteStore({ file })
    stores.push(sqlite)
    const postgres = await PostgresStore.open(db.url)
    stores.push(postgres)
    for (const id of DOCS) expect(await contents(postgres, id)).toEqual(await contents(sqlite, id))
    expect(await postgres.resolveLink('a-view')).toEqual({
      token: 'a-view',
      docId: 'a',
      role: 'view',
    })
    // The quarantined record's seq stays used: the next append comes after it.
    expect(await postgres.append('b', bytes(2, 4))).toBe(4)
    const quarantine = await withClient(db.url, (client) =>
      client.query<{ doc_id: string }>('SELECT doc_id FROM quarantine ORDER BY doc_id'),
    )
    expect(quarantine.rows.map((r) => r.doc_id)).toEqual(['b', 'gone'])
    await postgres.close()

    const second = await run(file, db.url)
    // b has an append that SQLite lacks now: refused, as it differs. Without it, nothing to do.
    expect(second.refused).toEqual(['b'])
    await withClient(db.url, (client) =>
      client.query(`DELETE FROM doc_updates WHERE doc_id = 'b' AND seq = 4;
                    UPDATE documents SET head_seq = 3 WHERE id = 'b'`),
    )
    const third = await run(file, db.url)
    expect(third.exitCode).toBe(ExitCode.ok)
    expect(third.copied).toEqual([])
    expect(third.unchanged).toEqual(DOCS)
    expect(third.output).toMatch(/Nothing to copy: all 3 document\(s\) are already in PostgreSQL/)
    expect(third.output).toMatch(/quarantine\s+2\s+0\s+2/)
  })

  test('refuses a document that differs in PostgreSQL, copies nothing of it, and copies the rest', async () => {
    const file = await sqliteFixture()
    const db = await createTestDatabase()
    databases.push(db)
    expect((await run(file, db.url)).exitCode).toBe(ExitCode.ok)
    // Someone changed a's last record in PostgreSQL (checksum and all); meanwhile SQLite gained
    // a document.
    await withClient(db.url, (client) =>
      client.query(`UPDATE doc_updates SET data = $1, crc = $2 WHERE doc_id = 'a' AND seq = 5`, [
        bytes(7, 7),
        signedCrc(bytes(7, 7)),
      ]),
    )
    const sqlite = new SqliteStore({ file })
    await sqlite.createDocument('d', [{ token: 'd-edit', role: 'edit' }])
    await sqlite.append('d', bytes(5))
    await sqlite.append('a', bytes(1, 6))
    await sqlite.close()

    const result = await run(file, db.url)
    expect(result.exitCode).toBe(ExitCode.refused)
    expect(result.refused).toEqual(['a'])
    expect(result.copied).toEqual(['d'])
    expect(result.output).toMatch(/REFUSED 1 document\(s\) .*: a \(content differs\)$/m)

    const postgres = await PostgresStore.open(db.url)
    stores.push(postgres)
    const a = await postgres.load('a')
    expect(a.updates.map((u) => [u.seq, ...u.data])).toEqual([
      [4, 1, 4],
      [5, 7, 7],
    ])
    expect((await postgres.load('d')).updates.map((u) => [...u.data])).toEqual([[5]])
  })

  test('runs from the command line with an exit code', async () => {
    const file = await sqliteFixture()
    const db = await createTestDatabase()
    databases.push(db)
    const run = promisify(execFile)
    const { stdout } = await run(process.execPath, [TOOL, '--from', file, '--to', db.url])
    expect(stdout).toMatch(/Copied 3 document\(s\)/)
    await withClient(db.url, (client) =>
      client.query(`UPDATE doc_snapshots SET upto_seq = 2 WHERE doc_id = 'a'`),
    )
    const refused = await run(process.execPath, [TOOL, '--from', file, '--to', db.url]).catch(
      (err: { code: number; stdout: string }) => err,
    )
    expect('code' in refused && refused.code).toBe(ExitCode.refused)
    const usage = await run(process.execPath, [TOOL]).catch(
      (err: { code: number; stderr: string }) => err,
    )
    expect('code' in usage && usage.code).toBe(ExitCode.failed)
    expect('stderr' in usage && usage.stderr).toMatch(/Usage/)
  })
})
