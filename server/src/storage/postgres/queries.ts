/**
 * The store's statements other than the append (appendSql.ts). Every write that touches several
 * tables of one document locks its `documents` row first, so writers of one document cannot
 * deadlock with each other.
 */

/**
 * Everything a reader at `$2` lacks, as ONE statement (one snapshot of the database): the
 * snapshot (kind 0) if its upto_seq is past `$2`, the log records (kind 1) after both, and the
 * head (kind 2). Rows come in no particular order.
 */
export const READ_SINCE_SQL = `
SELECT 0 AS kind, upto_seq AS seq, data, crc
  FROM doc_snapshots WHERE doc_id = $1 AND upto_seq > $2
UNION ALL
SELECT 1, seq, data, crc
  FROM doc_updates
  WHERE doc_id = $1
    AND seq > GREATEST($2::bigint, COALESCE((SELECT upto_seq FROM doc_snapshots WHERE doc_id = $1), 0))
UNION ALL
SELECT 2, head_seq, NULL, NULL FROM documents WHERE id = $1`

/** The heads of the listed documents that exist: one index lookup each, one round trip. */
export const HEADS_SQL = 'SELECT id, head_seq FROM documents WHERE id = ANY($1::text[])'

export const META_SQL = 'SELECT created_at, updated_at, size_bytes FROM documents WHERE id = $1'

export const RESOLVE_LINK_SQL = 'SELECT doc_id, role FROM links WHERE token = $1'

export const LINKS_OF_SQL =
  'SELECT token, role FROM links WHERE doc_id = $1 ORDER BY role, created_at, token'

/**
 * A document, its links (`$2` tokens, `$3` roles) and its empty search row in one statement;
 * `23505` if the document or a token exists.
 */
export const CREATE_DOCUMENT_SQL = `
WITH doc AS (INSERT INTO documents (id) VALUES ($1) RETURNING id),
text AS (INSERT INTO doc_text (doc_id) SELECT id FROM doc)
INSERT INTO links (token, doc_id, role)
SELECT t.token, doc.id, t.role FROM doc CROSS JOIN unnest($2::text[], $3::text[]) AS t (token, role)`

/** Takes the document's row lock; no row means no such document. */
export const LOCK_DOCUMENT_SQL = 'SELECT head_seq FROM documents WHERE id = $1 FOR NO KEY UPDATE'

export const DROP_LINKS_OF_ROLE_SQL =
  'DELETE FROM links WHERE doc_id = $1 AND role = $2 RETURNING token'

export const INSERT_LINK_SQL = 'INSERT INTO links (token, doc_id, role) VALUES ($1, $2, $3)'

/** Key space of the advisory locks taken per document during compaction (`hashtext(id)` is the other half). */
export const COMPACTION_LOCK_CLASS = 0x54414e44 // "TAND"

export const TRY_COMPACTION_LOCK_SQL = 'SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS got'

/** The document's row lock plus the stored snapshot's position (null for none). */
export const LOCK_FOR_COMPACTION_SQL = `
SELECT d.head_seq, s.upto_seq
  FROM documents d LEFT JOIN doc_snapshots s ON s.doc_id = d.id
  WHERE d.id = $1
  FOR NO KEY UPDATE OF d`

/**
 * Stores the snapshot `$3` (checksum `$4`) up to `$2`, drops the log it covers and recomputes the
 * size. Run under the document's row lock, so no append of it commits meanwhile and the sum is
 * exact.
 */
export const COMPACT_SQL = `
WITH snap AS (
  INSERT INTO doc_snapshots (doc_id, upto_seq, data, crc) VALUES ($1, $2, $3, $4)
  ON CONFLICT (doc_id) DO UPDATE
    SET upto_seq = excluded.upto_seq, data = excluded.data, crc = excluded.crc, created_at = now()
),
dropped AS (DELETE FROM doc_updates WHERE doc_id = $1 AND seq <= $2)
UPDATE documents
  SET size_bytes = octet_length($3::bytea) + (
        SELECT COALESCE(sum(octet_length(data)), 0) FROM doc_updates WHERE doc_id = $1 AND seq > $2
      ),
      head_seq = GREATEST(head_seq, $2)
  WHERE id = $1`

/**
 * Moves log records `$2` of document `$1` to quarantine with reason `$4`, each only while its
 * checksum is still `$3` (null: whatever it is); returns one row per record moved.
 */
export const QUARANTINE_UPDATES_SQL = `
WITH moved AS (
  DELETE FROM doc_updates u
  USING unnest($2::bigint[], $3::int[]) AS b (seq, crc)
  WHERE u.doc_id = $1 AND u.seq = b.seq AND (b.crc IS NULL OR u.crc = b.crc)
  RETURNING u.seq, u.data, u.crc
)
INSERT INTO quarantine (doc_id, kind, seq, data, crc, reason)
SELECT $1, 'update', seq, data, crc, $4 FROM moved
RETURNING seq`

/**
 * Moves the snapshot of `$1` to quarantine with reason `$4`: only the one up to `$2` with checksum
 * `$3` when those are given (another instance may have compacted since it was read).
 */
export const QUARANTINE_SNAPSHOT_SQL = `
WITH moved AS (
  DELETE FROM doc_snapshots
  WHERE doc_id = $1 AND ($2::bigint IS NULL OR (upto_seq = $2 AND crc = $3::int))
  RETURNING upto_seq, data, crc
)
INSERT INTO quarantine (doc_id, kind, seq, data, crc, reason)
SELECT $1, 'snapshot', upto_seq, data, crc, $4 FROM moved
RETURNING seq`

/** The row lock a delete takes first (FOR UPDATE: the row goes away). */
export const LOCK_FOR_DELETE_SQL = 'SELECT 1 FROM documents WHERE id = $1 FOR UPDATE'

/**
 * Everything of a document but its quarantine (kept for inspection). Run after the row lock:
 * this statement's snapshot then holds every committed append of it, and no new one commits.
 */
export const DELETE_DOCUMENT_SQL = `
WITH u AS (DELETE FROM doc_updates WHERE doc_id = $1),
s AS (DELETE FROM doc_snapshots WHERE doc_id = $1),
l AS (DELETE FROM links WHERE doc_id = $1),
v AS (DELETE FROM doc_versions WHERE doc_id = $1),
a AS (DELETE FROM doc_authors WHERE doc_id = $1),
t AS (DELETE FROM doc_text WHERE doc_id = $1)
DELETE FROM documents WHERE id = $1`

/** The columns of a version that listing returns (never its bytes). */
const VERSION_META = 'id, kind, name, created_at, authors'

/** Inserts a version (`$1` id … `$9` crc); `23503` if the document does not exist. */
export const SAVE_VERSION_SQL = `
INSERT INTO doc_versions (id, doc_id, kind, name, created_at, authors, summary, data, crc)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`

export const LIST_VERSIONS_SQL = `
SELECT ${VERSION_META} FROM doc_versions WHERE doc_id = $1 ORDER BY created_at DESC, seq DESC`

export const GET_VERSION_SQL = `
SELECT ${VERSION_META}, summary, data, crc FROM doc_versions WHERE doc_id = $1 AND id = $2`

export const LATEST_VERSION_SQL = `
SELECT ${VERSION_META}, summary, data, crc FROM doc_versions WHERE doc_id = $1
ORDER BY created_at DESC, seq DESC LIMIT 1`

/** Deletes versions `$2` of `$1`; one row per version deleted. */
export const DELETE_VERSIONS_SQL = `
DELETE FROM doc_versions WHERE doc_id = $1 AND id = ANY($2::text[]) RETURNING 1 AS one`

/**
 * Moves version `$2` of `$1` to quarantine with reason `$4`, only while its checksum is still `$3`
 * (another instance may have moved it already); one row if moved.
 */
export const QUARANTINE_VERSION_SQL = `
WITH moved AS (
  DELETE FROM doc_versions WHERE doc_id = $1 AND id = $2 AND crc = $3
  RETURNING seq, data, crc
)
INSERT INTO quarantine (doc_id, kind, seq, data, crc, reason)
SELECT $1, 'version', seq, data, crc, $4 FROM moved
RETURNING seq`

/** Records authors of `$1` (`$2` client ids, `$3` names, `$4` colours, `$5` roles), then `ON CONFLICT …`. */
const SAVE_AUTHORS_SQL = `
INSERT INTO doc_authors (doc_id, client_id, name, color, role)
SELECT $1, t.client_id, t.name, t.color, t.role
FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[]) AS t (client_id, name, color, role)
ON CONFLICT (doc_id, client_id)`

/** Adds authors of client ids not recorded yet. */
export const ADD_AUTHORS_SQL = `${SAVE_AUTHORS_SQL} DO NOTHING`

/** Adds authors, overwriting recorded ones. */
export const REPLACE_AUTHORS_SQL = `${SAVE_AUTHORS_SQL} DO UPDATE
  SET name = excluded.name, color = excluded.color, role = excluded.role, updated_at = now()`

export const AUTHORS_OF_SQL =
  'SELECT client_id, name, color, role FROM doc_authors WHERE doc_id = $1'
