import pg, { DatabaseError, type PoolConfig } from 'pg'
import { StoreError, StoreErrorCode } from '../errors.js'

const INT8_OID = 20

/**
 * Type parsing for our connections: `bigint` columns (seqs, sizes, counts) arrive as numbers.
 * They stay far below 2^53, where a JavaScript number is exact.
 */
export const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
}

/** Timeouts and pool size of a store's connections; all in milliseconds. */
export interface PgTimeouts {
  /** Connections for reads and writes other than appends (appends have one of their own). */
  poolSize: number
  /**
   * Giving up on a connection (opening one, or waiting for a free one in the pool): a database
   * that does not answer is noticed this fast.
   */
  connectTimeoutMs: number
  /** Server-side limit on one statement (lock waits included). */
  statementTimeoutMs: number
  /** Client-side limit on one query, for a server or network that stopped answering altogether. */
  queryTimeoutMs: number
}

/** The defaults: a small pool, a dead database noticed within about 2 s. */
export const DEFAULT_TIMEOUTS: PgTimeouts = {
  poolSize: 5,
  connectTimeoutMs: 2_000,
  statementTimeoutMs: 10_000,
  queryTimeoutMs: 15_000,
}

/** Pool settings for a store's connections to `url`. */
export function poolConfig(url: string, timeouts: PgTimeouts): PoolConfig {
  return {
    connectionString: url,
    max: timeouts.poolSize,
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
    query_timeout: timeouts.queryTimeoutMs,
    // A connection left inside a transaction (a crashed client) does not hold its locks for long.
    idle_in_transaction_session_timeout: 30_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'tandem',
    types: pgTypes,
  }
}

/**
 * True if the server answered `error` with an SQLSTATE, so the statement (and its transaction)
 * is known to have failed and the connection still works. Anything else — a reset or closed
 * socket, a timeout, the backend terminated or shutting down — leaves the connection unusable,
 * and an outcome that was being committed unknown.
 */
export function isStatementError(error: unknown): error is DatabaseError {
  if (!(error instanceof DatabaseError) || error.code === undefined) return false
  const code = error.code
  // 08: connection exception; 57P0x: admin/crash shutdown, cannot connect now; 53300: too many
  // connections; 57014: statement timeout or cancel (the database is too slow to answer).
  return !(code.startsWith('08') || code.startsWith('57P') || code === '53300' || code === '57014')
}

/** The SQLSTATE of a unique violation. */
export const UNIQUE_VIOLATION = '23505'

/**
 * A failure of a read, or of a write known not to have committed, as a StoreError: the database
 * is unreachable or too slow → `unavailable`; a unique violation → `exists`; a StoreError stays
 * as it is. Any other statement error is a bug and passes through unchanged.
 */
export function storeErrorOf(error: unknown, what: string): Error {
  if (error instanceof StoreError) return error
  if (isStatementError(error)) {
    if (error.code === UNIQUE_VIOLATION) {
      return new StoreError(StoreErrorCode.exists, `${what}: already exists`, { cause: error })
    }
    return error
  }
  return new StoreError(
    StoreErrorCode.unavailable,
    `${what}: database unavailable (${message(error)})`,
    {
      cause: error,
    },
  )
}

/** The outcome of a commit is unknown (or it failed): never acknowledge; the writer resends. */
export function commitErrorOf(error: unknown, what: string): StoreError {
  if (error instanceof StoreError) return error
  return new StoreError(StoreErrorCode.commitFailed, `${what}: commit failed (${message(error)})`, {
    cause: error,
  })
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
