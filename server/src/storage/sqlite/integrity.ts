import fs from 'node:fs'
import path from 'node:path'
import type Database from 'better-sqlite3'
import { DamagedDatabaseError } from './DamagedDatabaseError.js'
import { DiskFullError } from './DiskFullError.js'
import { migrate, openDatabase } from './migrations.js'
import { checkWal } from './walCheck.js'

/** Problems quoted from PRAGMA quick_check in the refusal (it stops after this many). */
const QUICK_CHECK_LIMIT = 5
/** Free bytes below which a failure to open is put down to a full filesystem. */
const FULL_BELOW_BYTES = 1024 * 1024

/**
 * Opens the store's database once it proved sound, and migrates it: the WAL is checked before
 * SQLite sees it (walCheck.ts), then `PRAGMA quick_check` reads every page (measured on 50 MB:
 * about 0.1 s from the page cache, 0.5 s from a cold disk; it grows with the file). Throws
 * {@link DamagedDatabaseError} for a damaged file, never serving part of it, and
 * {@link DiskFullError} when it cannot be opened for want of space.
 */
export function openVerifiedDatabase(file: string, busyTimeoutMs: number): Database.Database {
  const absolute = path.resolve(file)
  checkWal(absolute)
  let db: Database.Database | undefined
  try {
    db = openDatabase(absolute, busyTimeoutMs)
    quickCheck(db, absolute)
    migrate(db)
    return db
  } catch (error) {
    if (db?.open) db.close()
    if (error instanceof DamagedDatabaseError) throw error
    if (isDamage(error)) {
      const message = String((error as Error).message)
      throw new DamagedDatabaseError(absolute, `SQLite reports: ${message}`, { cause: error })
    }
    // On a full disk, opening fails as an I/O error (SQLITE_IOERR_SHMSIZE): say what it is.
    const free = freeBytes(absolute)
    if (free !== undefined && free < FULL_BELOW_BYTES) {
      throw new DiskFullError(absolute, free, { cause: error })
    }
    throw error
  }
}

/** Bytes available on the filesystem holding `file`, or undefined if that cannot be told. */
function freeBytes(file: string): number | undefined {
  try {
    const stats = fs.statfsSync(path.dirname(file))
    return stats.bavail * stats.bsize
  } catch {
    return undefined
  }
}

/**
 * B-tree structure, page links and record formats of the whole file; not the index-versus-table
 * cross-check of the full `integrity_check` (README: run that on demand with the sqlite3 shell).
 * Damage inside a stored record's bytes is caught later, by its checksum, at load.
 */
function quickCheck(db: Database.Database, file: string): void {
  const rows = db.pragma(`quick_check(${QUICK_CHECK_LIMIT})`) as { quick_check: string }[]
  const problems = rows.map((row) => row.quick_check).filter((result) => result !== 'ok')
  if (problems.length === 0) return
  const found = problems
    .flatMap((p) => p.split('\n'))
    .filter((line) => line && !line.startsWith('***'))
  throw new DamagedDatabaseError(file, `PRAGMA quick_check found damage: ${found.join('; ')}`)
}

/** SQLite's answers for a file that is not a sound database. */
function isDamage(error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
}
