import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'

/** Schema migrations; index i upgrades user_version i to i + 1. Never edit a released one. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    size_bytes INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE TABLE links (
    token TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('edit', 'view')),
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX links_by_doc ON links (doc_id);
  CREATE TABLE updates (
    doc_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    crc INTEGER NOT NULL,
    PRIMARY KEY (doc_id, seq)
  ) STRICT;
  CREATE TABLE snapshots (
    doc_id TEXT PRIMARY KEY,
    upto_seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    crc INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('update', 'snapshot')),
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    crc INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX quarantine_by_doc ON quarantine (doc_id);
  `,
  // One row the readiness probe rewrites after a failed commit (SqliteWrites.probe): a write as
  // large as a typical batch proves the disk takes commits again.
  `
  CREATE TABLE health (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    probed_at INTEGER NOT NULL,
    reserve BLOB NOT NULL
  ) STRICT;
  `,
  // Version history. A version's columns are ordered so that listing (everything up to
  // `authors`) never reads its blobs. Quarantine is rebuilt to take damaged versions too (SQLite
  // cannot change a CHECK constraint in place).
  `
  CREATE TABLE versions (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('auto', 'named', 'restore')),
    name TEXT,
    created_at INTEGER NOT NULL,
    authors TEXT NOT NULL,
    summary BLOB NOT NULL,
    data BLOB NOT NULL,
    crc INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX versions_by_doc ON versions (doc_id, created_at, seq);
  CREATE TABLE authors (
    doc_id TEXT NOT NULL,
    client_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    color TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('edit', 'view')),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (doc_id, client_id)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE quarantine_v3 (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('update', 'snapshot', 'version')),
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    crc INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  INSERT INTO quarantine_v3 (id, doc_id, kind, seq, data, crc, reason, created_at)
    SELECT id, doc_id, kind, seq, data, crc, reason, created_at FROM quarantine;
  DROP TABLE quarantine;
  ALTER TABLE quarantine_v3 RENAME TO quarantine;
  CREATE INDEX quarantine_by_doc ON quarantine (doc_id);
  `,
  // Full-text search (SqliteSearch.ts). doc_text holds each document's indexed text as given
  // (for snippets) and numbers its row in the FTS5 index, which only indexes: its text is folded
  // first as the query's words are (`foldWord` in shared/), so both sides always agree, whatever
  // the script. Prefix indexes of 1 to 3 characters: a query being typed (`k`, `ka`) is a prefix
  // of many words, and without them FTS5 merges every such word's list for each search
  // (measured over 10,000 documents: 50–100 ms instead of 7 ms). A document stored before this
  // migration has no row until the indexer fills it in (`unindexed`).
  `
  CREATE TABLE doc_text (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL
  ) STRICT;
  CREATE VIRTUAL TABLE doc_text_index USING fts5(
    title, body,
    content = '', contentless_delete = 1,
    prefix = '1 2 3',
    tokenize = 'porter unicode61 remove_diacritics 2'
  );
  `,
]

/** Schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length

/**
 * Opens the database file (creating its directory) in WAL mode with synchronous=FULL, so a
 * committed transaction survives power loss; each connection sets these for itself.
 */
export function openDatabase(file: string, busyTimeoutMs: number): Database.Database {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const db = new Database(file, { timeout: busyTimeoutMs })
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  return db
}

/** Brings the schema to {@link SCHEMA_VERSION}; refuses a database from a newer release. */
export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version > MIGRATIONS.length) {
    throw new Error(
      `Database schema version ${version} is newer than this server understands (${MIGRATIONS.length}); upgrade Tandem`,
    )
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string)
      db.pragma(`user_version = ${v + 1}`)
    })()
  }
}
