import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import Database from 'better-sqlite3'
import pg from 'pg'
import { checksum } from '../storage/checksum.js'
import { pgTypes } from '../storage/postgres/connection.js'
import {
  countRows,
  insertDocumentRows,
  insertQuarantineRows,
  readDocumentRows,
  sameContent,
  type DocumentRows,
  type QuarantinedRow,
  type TableCounts,
} from '../storage/postgres/documentRows.js'
import { migrate } from '../storage/postgres/schema.js'

/**
 * Copies a Tandem SQLite database (`data/tandem.db`) into PostgreSQL, for moving from one machine
 * to several instances. Stop the server first. The SQLite file is opened read-only and read in
 * one transaction; PostgreSQL's schema is created by the PostgreSQL store's own migrations.
 *
 * - Idempotent: a document already in PostgreSQL with the same content is left alone, so a
 *   second run copies nothing and says so.
 * - Safe: a document that exists in PostgreSQL with different content, or whose link token is
 *   taken there, is refused: nothing of it is copied, the rest is, and the exit code is 2.
 * - Verifiable: prints row counts per table, then reads every document back and checks each
 *   record (seq, bytes, checksum) against SQLite; exit code 3 if anything differs.
 *
 *     node server/dist/tools/sqliteToPostgres.js --from data/tandem.db --to postgres://…
 */

const USAGE = `Usage: node server/dist/tools/sqliteToPostgres.js --from <tandem.db> --to <postgres://…>
  --from   the SQLite database of a stopped Tandem server (opened read-only)
  --to     the PostgreSQL database the instances will use (default: $DATABASE_URL)`

/** Exit codes of {@link main}. */
export const ExitCode = { ok: 0, failed: 1, refused: 2, mismatch: 3 } as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** What {@link migrateSqliteToPostgres} copies from where, and where it reports. */
export interface MigrationOptions {
  /** Path of the SQLite file. */
  from: string
  /** PostgreSQL connection string. */
  to: string
  /** Receives each line of the report (default: stdout). */
  out?: (line: string) => void
}

/** The outcome of a run; document ids sorted. */
export interface MigrationReport {
  exitCode: ExitCode
  /** Copied by this run. */
  copied: string[]
  /** Found in PostgreSQL with the same content. */
  unchanged: string[]
  /** In PostgreSQL with different content, or with a link token taken: nothing of them copied. */
  refused: string[]
}

const TABLES = ['documents', 'links', 'snapshots', 'updates', 'quarantine'] as const
const noRows = (): TableCounts => ({
  documents: 0,
  links: 0,
  snapshots: 0,
  updates: 0,
  quarantine: 0,
})

/** Documents per PostgreSQL transaction (one synchronous commit each). */
const DOCS_PER_TRANSACTION = 100

/** Copies `from` into `to` and verifies the result; see the file comment. */
export async function migrateSqliteToPostgres(options: MigrationOptions): Promise<MigrationReport> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`))
  const sqlite = new Database(options.from, { readonly: true, fileMustExist: true })
  const client = new pg.Client({ connectionString: options.to, types: pgTypes })
  client.on('error', () => {}) // a lost connection fails the query in flight
  try {
    const version = sqlite.pragma('user_version', { simple: true }) as number
    if (version < 1) throw new Error(`${options.from} is not a Tandem database (user_version 0)`)
    await client.connect()
    await migrate(client)
    out(`Copying ${options.from} (SQLite schema ${version}) to ${redact(options.to)}`)
    // One read transaction: everything comes from one state of the file.
    sqlite.exec('BEGIN')
    const source = new SqliteSource(sqlite)
    const ids = source.documentIds()
    const report: MigrationReport = {
      exitCode: ExitCode.ok,
      copied: [],
      unchanged: [],
      refused: [],
    }
    const why = new Map<string, string>()
    const inSqlite = noRows()
    const copied = noRows()
    for (let i = 0; i < ids.length; i += DOCS_PER_TRANSACTION) {
      await client.query('BEGIN')
      for (const id of ids.slice(i, i + DOCS_PER_TRANSACTION)) {
        const doc = source.read(id)
        add(inSqlite, doc)
        const verdict = await copyDocument(client, id, doc)
        if (verdict === 'copied') {
          add(copied, doc)
          report.copied.push(id)
        } else if (verdict === 'same') {
          report.unchanged.push(id)
        } else {
          report.refused.push(id)
          why.set(id, verdict.refused)
        }
      }
      await client.query('COMMIT')
    }
    const orphans = source.orphanQuarantine(new Set(ids))
    inSqlite.quarantine += orphans.length
    copied.quarantine += await copyOrphanQuarantine(client, orphans)

    const now = await countRows(client)
    out('')
    out(
      `${'rows'.padEnd(12)}${'SQLite'.padStart(10)}${'copied'.padStart(10)}${'PostgreSQL'.padStart(12)}`,
    )
    for (const t of TABLES) {
      out(
        `${t.padEnd(12)}${String(inSqlite[t]).padStart(10)}${String(copied[t]).padStart(10)}${String(now[t]).padStart(12)}`,
      )
    }
    out('')

    const check = await verify(client, source, [...report.copied, ...report.unchanged].sort())
    sqlite.exec('COMMIT')
    out(
      `Checksums: ${check.records} records checked on both sides; ${check.badInSqlite} bad in SQLite, ${check.badInPostgres} bad in PostgreSQL.`,
    )
    if (check.badInSqlite > 0) {
      out(
        '  Records already bad in SQLite are copied unchanged; the store quarantines them on load, as SQLite would.',
      )
    }
    if (check.mismatched.length > 0) {
      out(
        `VERIFICATION FAILED for ${check.mismatched.length} document(s): ${list(check.mismatched)}`,
      )
      report.exitCode = ExitCode.mismatch
    } else {
      out(`Verified: ${check.documents} document(s) in PostgreSQL match SQLite record for record.`)
    }
    if (report.copied.length === 0 && report.refused.length === 0) {
      out(
        `Nothing to copy: all ${report.unchanged.length} document(s) are already in PostgreSQL with the same content.`,
      )
    } else {
      out(
        `Copied ${report.copied.length} document(s); ${report.unchanged.length} were already there with the same content.`,
      )
    }
    if (report.refused.length > 0) {
      out(
        `REFUSED ${report.refused.length} document(s) (nothing of them was copied): ${list(report.refused.map((id) => `${id} (${why.get(id)})`))}`,
      )
      out(
        '  PostgreSQL holds other writes to them. To replace them with the SQLite copy, delete them in PostgreSQL first (or migrate into an empty database) and run again.',
      )
      if (report.exitCode === ExitCode.ok) report.exitCode = ExitCode.refused
    }
    return report
  } finally {
    sqlite.close()
    await client.end().catch(() => {})
  }
}

/**
 * Inserts `doc` unless PostgreSQL has `id` already: with the same content that is 'same';
 * otherwise, or if one of its link tokens is taken, it is refused and nothing is written.
 */
async function copyDocument(
  client: pg.Client,
  id: string,
  doc: DocumentRows,
): Promise<'copied' | 'same' | { refused: string }> {
  const existing = await readDocumentRows(client, id, true)
  if (existing) return sameContent(doc, existing) ? 'same' : { refused: 'content differs' }
  const taken = await client.query('SELECT 1 FROM links WHERE token = ANY($1::text[])', [
    doc.links.map((l) => l.token),
  ])
  if (taken.rowCount) return { refused: 'a link token belongs to another document' }
  await insertDocumentRows(client, id, doc)
  return 'copied'
}

/** Quarantine of deleted documents: each record copied once, however often the tool runs. */
async function copyOrphanQuarantine(
  client: pg.Client,
  rows: readonly QuarantinedRow[],
): Promise<number> {
  await client.query('BEGIN')
  const inserted = await insertQuarantineRows(client, rows, true)
  await client.query('COMMIT')
  return inserted
}

/** Reads `ids` back from PostgreSQL and compares each with SQLite, checking every checksum. */
async function verify(client: pg.Client, source: SqliteSource, ids: readonly string[]) {
  const check = { documents: 0, records: 0, badInSqlite: 0, badInPostgres: 0 }
  const mismatched: string[] = []
  for (const id of ids) {
    const mine = source.read(id)
    const theirs = await readDocumentRows(client, id)
    check.documents++
    if (!theirs || !sameContent(mine, theirs)) mismatched.push(id)
    for (const record of records(mine)) {
      check.records++
      if (!intact(record)) check.badInSqlite++
    }
    for (const record of theirs ? records(theirs) : []) if (!intact(record)) check.badInPostgres++
  }
  return { ...check, mismatched }
}

const intact = (r: { data: Uint8Array; crc: number }) => (checksum(r.data) | 0) === r.crc

function records(doc: DocumentRows) {
  return doc.snapshot ? [doc.snapshot, ...doc.updates] : doc.updates
}

/** Reads one document at a time from the SQLite file (schema of sqlite/migrations.ts). */
class SqliteSource {
  readonly #stmt

  constructor(db: Database.Database) {
    this.#stmt = {
      ids: db.prepare<[], { id: string }>(
        `SELECT id FROM documents UNION SELECT doc_id FROM links
         UNION SELECT doc_id FROM updates UNION SELECT doc_id FROM snapshots ORDER BY 1`,
      ),
      doc: db.prepare<[string], { created_at: number; updated_at: number }>(
        'SELECT created_at, updated_at FROM documents WHERE id = ?',
      ),
      links: db.prepare<[string], { token: string; role: string; created_at: number }>(
        'SELECT token, role, created_at FROM links WHERE doc_id = ? ORDER BY token',
      ),
      snapshot: db.prepare<[string], SqliteRow & { created_at: number }>(
        'SELECT upto_seq AS seq, data, crc, created_at FROM snapshots WHERE doc_id = ?',
      ),
      updates: db.prepare<[string], SqliteRow>(
        'SELECT seq, data, crc FROM updates WHERE doc_id = ? ORDER BY seq',
      ),
      quarantine: db.prepare<[string], SqliteQuarantine>(
        `SELECT doc_id, kind, seq, data, crc, reason, created_at FROM quarantine
         WHERE doc_id = ? ORDER BY id`,
      ),
      allQuarantine: db.prepare<[], SqliteQuarantine>(
        'SELECT doc_id, kind, seq, data, crc, reason, created_at FROM quarantine ORDER BY id',
      ),
    }
  }

  /** Every document id with a row in any table but quarantine, sorted. */
  documentIds(): string[] {
    return this.#stmt.ids.all().map((row) => row.id)
  }

  read(id: string): DocumentRows {
    const row = this.#stmt.doc.get(id)
    // Rows without a documents row (an append to an unknown id) become a document, as the
    // PostgreSQL store makes one.
    const created = new Date(row?.created_at ?? Date.now())
    const snap = this.#stmt.snapshot.get(id)
    const updates = this.#stmt.updates.all(id).map(signed)
    const quarantine = this.#stmt.quarantine.all(id).map(quarantined)
    // The last seq handed out, quarantined ones included, so none is handed out again.
    const head = Math.max(
      snap?.seq ?? 0,
      updates.at(-1)?.seq ?? 0,
      ...quarantine.filter((q) => q.kind === 'update').map((q) => q.seq),
    )
    return {
      createdAt: created,
      updatedAt: row ? new Date(row.updated_at) : created,
      head,
      links: this.#stmt.links
        .all(id)
        .map((l) => ({ token: l.token, role: l.role, createdAt: new Date(l.created_at) })),
      ...(snap && { snapshot: { ...signed(snap), createdAt: new Date(snap.created_at) } }),
      updates,
      quarantine,
    }
  }

  /** Quarantined records of documents that no longer exist (kept for inspection). */
  orphanQuarantine(ids: ReadonlySet<string>): QuarantinedRow[] {
    return this.#stmt.allQuarantine
      .all()
      .filter((row) => !ids.has(row.doc_id))
      .map(quarantined)
  }
}

interface SqliteRow {
  seq: number
  data: Buffer
  /** Unsigned, as zlib.crc32 returns it. */
  crc: number
}
interface SqliteQuarantine extends SqliteRow {
  doc_id: string
  kind: string
  reason: string
  created_at: number
}

/** The checksum as PostgreSQL's signed integer holds it. */
function signed(row: SqliteRow): { seq: number; data: Buffer; crc: number } {
  return { seq: row.seq, data: row.data, crc: row.crc | 0 }
}

function quarantined(row: SqliteQuarantine): QuarantinedRow {
  return {
    ...signed(row),
    docId: row.doc_id,
    kind: row.kind,
    reason: row.reason,
    createdAt: new Date(row.created_at),
  }
}

function add(counts: TableCounts, doc: DocumentRows): void {
  counts.documents += 1
  counts.links += doc.links.length
  counts.snapshots += doc.snapshot ? 1 : 0
  counts.updates += doc.updates.length
  counts.quarantine += doc.quarantine.length
}

/** Up to 20 items, then how many more. */
function list(items: readonly string[]): string {
  const shown = items.slice(0, 20).join(', ')
  return items.length > 20 ? `${shown} and ${items.length - 20} more` : shown
}

/** The URL without its password, for printing. */
function redact(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(the given PostgreSQL URL)'
  }
}

/** The command line: parses arguments, runs the copy, returns the exit code. */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  let from: string | undefined
  let to: string | undefined
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { from: { type: 'string' }, to: { type: 'string' }, help: { type: 'boolean' } },
    })
    if (values.help) {
      process.stdout.write(`${USAGE}\n`)
      return ExitCode.ok
    }
    from = values.from
    to = values.to ?? process.env.DATABASE_URL
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`)
    return ExitCode.failed
  }
  if (!from || !to) {
    process.stderr.write(`${USAGE}\n`)
    return ExitCode.failed
  }
  try {
    return (await migrateSqliteToPostgres({ from, to })).exitCode
  } catch (err) {
    process.stderr.write(`Migration failed: ${err instanceof Error ? err.message : String(err)}\n`)
    process.stderr.write(
      'Documents are copied in transactions, so nothing half-copied stays behind; run it again once fixed.\n',
    )
    return ExitCode.failed
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2))
}
