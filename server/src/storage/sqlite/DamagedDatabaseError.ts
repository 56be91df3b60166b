import path from 'node:path'

/**
 * The database file (or its WAL) is damaged: opening it could serve documents with part of their
 * history missing, so the store refuses it. The message names the file, what is wrong and the two
 * ways to recover; the server prints it and exits (see main.ts).
 */
export class DamagedDatabaseError extends Error {
  override name = 'DamagedDatabaseError'

  constructor(
    /** Absolute path of the database file (`…/tandem.db`). */
    readonly file: string,
    /** What is wrong, as one clause (no recovery advice). */
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(describe(file, problem), options)
  }
}

function describe(file: string, problem: string): string {
  const absolute = path.resolve(file)
  const dir = path.dirname(absolute)
  const name = path.basename(absolute)
  const recovered = path.join(dir, 'recovered.db')
  return [
    `Tandem refuses to open the database ${absolute}: ${problem}.`,
    'Serving it could lose saved edits or serve documents with part of their history missing, so',
    'the server stopped without changing anything on disk. To recover (README.md, "When the disk',
    `fails"), stop everything that uses the files, copy ${name}, ${name}-wal and ${name}-shm`,
    `in ${dir} somewhere safe, then either:`,
    `  1. restore the latest backup (README.md, "Data and backups"): put it in place as ${name}`,
    `     and delete ${name}-wal and ${name}-shm; or`,
    '  2. salvage what SQLite can still read into a new file:',
    `       sqlite3 ${shellQuote(absolute)} ".recover" | sqlite3 ${shellQuote(recovered)}`,
    `     check that sqlite3 ${shellQuote(recovered)} "PRAGMA integrity_check" prints ok, then put`,
    `     it in place as ${name} and delete ${name}-wal and ${name}-shm. Whatever the damage`,
    '     destroyed stays lost.',
  ].join('\n')
}

/** The path as one shell word (quoted only when it needs to be). */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`
}
