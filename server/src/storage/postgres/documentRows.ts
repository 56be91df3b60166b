import type { ClientBase } from 'pg'

/**
 * A document's stored rows as a whole, for tools that copy or compare documents between stores
 * (the SQLite → PostgreSQL migration); the store itself never loads a document this way.
 */

/** One stored record: a log row or a snapshot (then `seq` is its upto_seq). */
export interface StoredRow {
  seq: number
  data: Uint8Array
  /** CRC-32 as a signed 32-bit integer, as PostgreSQL's `integer` holds it. */
  crc: number
}

/** A record kept in quarantine. */
export interface QuarantinedRow extends StoredRow {
  docId: string
  kind: string
  reason: string
  createdAt: Date
}

/** Everything of one document. */
export interface DocumentRows {
  createdAt: Date
  updatedAt: Date
  /** The last seq handed out. */
  head: number
  links: { token: string; role: string; createdAt: Date }[]
  snapshot?: StoredRow & { createdAt: Date }
  /** Ascending by seq. */
  updates: StoredRow[]
  quarantine: QuarantinedRow[]
}

/** Rows per table. */
export interface TableCounts {
  documents: number
  links: number
  snapshots: number
  updates: number
  quarantine: number
}

/** Log rows per INSERT statement. */
const ROWS_PER_INSERT = 1_000

/**
 * Reads document `id` (its row locked FOR UPDATE when `lock`, inside the caller's transaction),
 * or undefined if it does not exist. Its quarantine is not read.
 */
export async function readDocumentRows(
  client: ClientBase,
  id: string,
  lock = false,
): Promise<DocumentRows | undefined> {
  const doc = await client.query<{ created_at: Date; updated_at: Date; head_seq: number }>(
    `SELECT created_at, updated_at, head_seq FROM documents WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  )
  const row = doc.rows[0]
  if (!row) return undefined
  const links = await client.query<{ token: string; role: string; created_at: Date }>(
    'SELECT token, role, created_at FROM links WHERE doc_id = $1 ORDER BY token',
    [id],
  )
  const snap = await client.query<StoredRow & { created_at: Date }>(
    'SELECT upto_seq AS seq, data, crc, created_at FROM doc_snapshots WHERE doc_id = $1',
    [id],
  )
  const updates = await client.query<StoredRow>(
    'SELECT seq, data, crc FROM doc_updates WHERE doc_id = $1 ORDER BY seq',
    [id],
  )
  const s = snap.rows[0]
  return {
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    head: row.head_seq,
    links: links.rows.map((l) => ({ token: l.token, role: l.role, createdAt: l.created_at })),
    ...(s && { snapshot: { seq: s.seq, data: s.data, crc: s.crc, createdAt: s.created_at } }),
    updates: updates.rows,
    quarantine: [],
  }
}

/** Inserts document `id` with all its rows, as given (checksums included). */
export async function insertDocumentRows(
  client: ClientBase,
  id: string,
  doc: DocumentRows,
): Promise<void> {
  const size =
    (doc.snapshot?.data.byteLength ?? 0) + doc.updates.reduce((n, u) => n + u.data.byteLength, 0)
  await client.query(
    `INSERT INTO documents (id, created_at, updated_at, head_seq, size_bytes)
     VALUES ($1, $2, $3, $4, $5)`,
    [id, doc.createdAt, doc.updatedAt, doc.head, size],
  )
  if (doc.links.length > 0) {
    await client.query(
      `INSERT INTO links (token, doc_id, role, created_at)
       SELECT t.token, $1, t.role, t.created_at
       FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS t (token, role, created_at)`,
      [
        id,
        doc.links.map((l) => l.token),
        doc.links.map((l) => l.role),
        doc.links.map((l) => l.createdAt),
      ],
    )
  }
  if (doc.snapshot) {
    await client.query(
      `INSERT INTO doc_snapshots (doc_id, upto_seq, data, crc, created_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [id, doc.snapshot.seq, doc.snapshot.data, doc.snapshot.crc, doc.snapshot.createdAt],
    )
  }
  for (let i = 0; i < doc.updates.length; i += ROWS_PER_INSERT) {
    const rows = doc.updates.slice(i, i + ROWS_PER_INSERT)
    await client.query(
      `INSERT INTO doc_updates (doc_id, seq, data, crc)
       SELECT $1, t.seq, t.data, t.crc
       FROM unnest($2::bigint[], $3::bytea[], $4::int[]) AS t (seq, data, crc)`,
      [id, rows.map((r) => r.seq), rows.map((r) => r.data), rows.map((r) => r.crc)],
    )
  }
  await insertQuarantineRows(client, doc.quarantine)
}

/**
 * Inserts quarantined records; with `skipPresent`, only those not there yet (same document,
 * kind, seq and bytes), so copying them again adds nothing. Returns how many were inserted.
 */
export async function insertQuarantineRows(
  client: ClientBase,
  rows: readonly QuarantinedRow[],
  skipPresent = false,
): Promise<number> {
  let inserted = 0
  for (const q of rows) {
    const result = await client.query(
      `INSERT INTO quarantine (doc_id, kind, seq, data, crc, reason, created_at)
       SELECT $1, $2, $3, $4, $5, $6, $7
       WHERE NOT $8 OR NOT EXISTS (
         SELECT 1 FROM quarantine
         WHERE doc_id = $1 AND kind = $2 AND seq = $3 AND crc = $5 AND data = $4
       )`,
      [q.docId, q.kind, q.seq, q.data, q.crc, q.reason, q.createdAt, skipPresent],
    )
    inserted += result.rowCount ?? 0
  }
  return inserted
}

/**
 * True if `a` and `b` load the same: head, links, snapshot and log, record by record (bytes and
 * checksums). Timestamps and quarantine do not count.
 */
export function sameContent(a: DocumentRows, b: DocumentRows): boolean {
  const sameRow = (x: StoredRow | undefined, y: StoredRow | undefined) =>
    x === undefined || y === undefined
      ? x === y
      : x.seq === y.seq && x.crc === y.crc && Buffer.from(x.data).equals(Buffer.from(y.data))
  const byToken = (doc: DocumentRows) =>
    doc.links
      .map((l) => `${l.token}\u0000${l.role}`)
      .sort()
      .join('\u0001')
  return (
    a.head === b.head &&
    byToken(a) === byToken(b) &&
    sameRow(a.snapshot, b.snapshot) &&
    a.updates.length === b.updates.length &&
    a.updates.every((u, i) => sameRow(u, b.updates[i]))
  )
}

/** Rows in each of the store's tables. */
export async function countRows(client: ClientBase): Promise<TableCounts> {
  const { rows } = await client.query<TableCounts>(`SELECT
    (SELECT count(*) FROM documents) AS documents,
    (SELECT count(*) FROM links) AS links,
    (SELECT count(*) FROM doc_snapshots) AS snapshots,
    (SELECT count(*) FROM doc_updates) AS updates,
    (SELECT count(*) FROM quarantine) AS quarantine`)
  const [counts] = rows
  if (!counts) throw new Error('counting rows returned nothing')
  return counts
}
