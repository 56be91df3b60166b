import { checksum } from '../checksum.js'

/**
 * One batch of appends, any documents, as ONE statement in its own implicit transaction (one
 * round trip, one WAL flush):
 * 1. the batch's rows arrive as arrays plus one binary blob that holds every update back to back
 *    (no hex encoding of the bytes);
 * 2. each document's row is upserted in id order: for an existing document the upsert takes its
 *    row lock (FOR NO KEY UPDATE, as an UPDATE does) and moves `head_seq` and `size_bytes` by
 *    the batch's count and bytes; a missing document is created. Locking in id order means two
 *    instances writing the same documents cannot deadlock; writers of one document queue on its
 *    row, nobody else does;
 * 3. the updates are numbered after the old head, in input order, and inserted;
 * 4. the seqs come back in input order.
 * Seqs are therefore contiguous per document and in commit order; no sequence object is used
 * (those hand numbers out before commit, leaving gaps a reader cannot tell from "not yet").
 */
export const APPEND_SQL = `
WITH input AS MATERIALIZED (
  SELECT t.ord, t.doc_id, t.len, t.crc, substring($2::bytea FROM t.off + 1 FOR t.len) AS data
  FROM unnest($1::text[], $3::int[], $4::int[], $5::int[])
    WITH ORDINALITY AS t (doc_id, off, len, crc, ord)
),
per_doc AS MATERIALIZED (
  SELECT doc_id, count(*) AS n, sum(len) AS bytes FROM input GROUP BY doc_id
),
heads AS (
  INSERT INTO documents AS d (id, head_seq, size_bytes)
  SELECT doc_id, n, bytes FROM per_doc ORDER BY doc_id
  ON CONFLICT (id) DO UPDATE
    SET head_seq = d.head_seq + excluded.head_seq,
        size_bytes = d.size_bytes + excluded.size_bytes,
        updated_at = now()
  RETURNING d.id, d.head_seq
),
numbered AS MATERIALIZED (
  SELECT i.ord, i.doc_id, i.data, i.crc,
         h.head_seq - p.n + row_number() OVER (PARTITION BY i.doc_id ORDER BY i.ord) AS seq
  FROM input i
  JOIN per_doc p ON p.doc_id = i.doc_id
  JOIN heads h ON h.id = i.doc_id
),
stored AS (
  INSERT INTO doc_updates (doc_id, seq, data, crc)
  SELECT doc_id, seq, data, crc FROM numbered
)
SELECT seq FROM numbered ORDER BY ord`

/** One append of a batch. */
export interface AppendItem {
  docId: string
  data: Uint8Array
}

/** The parameters of {@link APPEND_SQL} for `items`, in order. */
export function appendParams(items: readonly AppendItem[]): unknown[] {
  let total = 0
  for (const item of items) total += item.data.byteLength
  const blob = Buffer.allocUnsafe(total)
  const docIds: string[] = []
  const offsets: number[] = []
  const lengths: number[] = []
  const crcs: number[] = []
  let offset = 0
  for (const item of items) {
    blob.set(item.data, offset)
    docIds.push(item.docId)
    offsets.push(offset)
    lengths.push(item.data.byteLength)
    crcs.push(signedCrc(item.data))
    offset += item.data.byteLength
  }
  return [docIds, blob, offsets, lengths, crcs]
}

/** CRC-32 of `data` as PostgreSQL's signed `integer` holds it. */
export function signedCrc(data: Uint8Array): number {
  return checksum(data) | 0
}
