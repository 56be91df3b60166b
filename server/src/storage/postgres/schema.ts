import type { ClientBase } from 'pg'

/**
 * Schema migrations; entry i upgrades version i to i + 1, each in the one transaction that
 * applies them all. Never edit a released one. `doc_updates` is the hot table: its primary key
 * is its only index, and it has no foreign keys (every insert would check one).
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE documents (
    id text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- The last seq handed out; only ever moves forward, so a seq is never reused.
    head_seq bigint NOT NULL DEFAULT 0 CHECK (head_seq >= 0),
    -- Bytes held: the snapshot plus the log.
    size_bytes bigint NOT NULL DEFAULT 0
  );
  CREATE TABLE links (
    token text PRIMARY KEY,
    doc_id text NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('edit', 'view')),
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX links_by_doc ON links (doc_id);
  CREATE TABLE doc_updates (
    doc_id text NOT NULL,
    seq bigint NOT NULL,
    data bytea NOT NULL,
    -- CRC-32 of data, stored as a signed 32-bit integer.
    crc integer NOT NULL,
    PRIMARY KEY (doc_id, seq)
  );
  CREATE TABLE doc_snapshots (
    doc_id text PRIMARY KEY,
    upto_seq bigint NOT NULL,
    data bytea NOT NULL,
    crc integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE quarantine (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    doc_id text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('update', 'snapshot')),
    seq bigint NOT NULL,
    data bytea NOT NULL,
    crc integer NOT NULL,
    reason text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX quarantine_by_doc ON quarantine (doc_id);
  `,
  // Version history. The bytes (summary, data) are TOASTed out of line, so listing (which selects
  // the other columns) never reads them. Versions and authors go with their document.
  `
  CREATE TABLE doc_versions (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    doc_id text NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('auto', 'named', 'restore')),
    name text,
    created_at timestamptz NOT NULL,
    -- JSON array of {name, color}.
    authors text NOT NULL,
    summary bytea NOT NULL,
    data bytea NOT NULL,
    -- CRC-32 of summary then data, as a signed 32-bit integer.
    crc integer NOT NULL
  );
  CREATE INDEX doc_versions_by_doc ON doc_versions (doc_id, created_at, seq);
  CREATE TABLE doc_authors (
    doc_id text NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    client_id bigint NOT NULL,
    name text NOT NULL,
    color text NOT NULL,
    role text NOT NULL CHECK (role IN ('edit', 'view')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (doc_id, client_id)
  );
  ALTER TABLE quarantine DROP CONSTRAINT quarantine_kind_check;
  ALTER TABLE quarantine ADD CONSTRAINT quarantine_kind_check
    CHECK (kind IN ('update', 'snapshot', 'version'));
  `,
  // Full-text search (PgSearch.ts): each document's indexed text as given (for snippets) and its
  // tsvector, title weighted A and body B. The tsvector is computed by the statement that writes
  // the text, from the text folded as the query's words are (`foldWord` in shared/), which SQL
  // cannot do (a generated column could fold some diacritics only). No GIN index: a search reads
  // the rows of its documents (at most 500) by key, so one would only slow every write.
  `
  CREATE TABLE doc_text (
    doc_id text PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    title text NOT NULL DEFAULT '',
    body text NOT NULL DEFAULT '',
    tsv tsvector NOT NULL DEFAULT ''
  );
  `,
]

/** Schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length

/** Session-independent key of the advisory lock that serialises migrations across instances. */
const MIGRATION_LOCK_KEY = 0x74616e64656d // "tandem"

/**
 * Brings the schema to {@link SCHEMA_VERSION} in one transaction under a transaction-scoped
 * advisory lock, so instances starting together migrate once and the others wait, then find
 * the work done. Refuses a database whose schema is newer than this code. The client must not
 * be in a transaction; the caller releases it.
 */
export async function migrate(client: ClientBase): Promise<void> {
  await client.query('BEGIN')
  try {
    // A long migration of another instance is waited for, not timed out.
    await client.query('SET LOCAL statement_timeout = 0')
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY])
    await client.query(`
      CREATE TABLE IF NOT EXISTS tandem_schema (
        version integer PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`)
    const { rows } = await client.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM tandem_schema',
    )
    const version = rows[0]?.version ?? 0
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `Database schema version ${version} is newer than this server understands (${SCHEMA_VERSION}); upgrade Tandem`,
      )
    }
    for (let v = version; v < SCHEMA_VERSION; v++) {
      await client.query(MIGRATIONS[v] as string)
      await client.query('INSERT INTO tandem_schema (version) VALUES ($1)', [v + 1])
    }
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  }
}
