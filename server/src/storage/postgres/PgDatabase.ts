import { Pool, type PoolClient } from 'pg'
import { StoreError, StoreErrorCode } from '../errors.js'
import {
  DEFAULT_TIMEOUTS,
  commitErrorOf,
  isStatementError,
  poolConfig,
  storeErrorOf,
  type PgTimeouts,
} from './connection.js'
import { migrate } from './schema.js'

/** A failed migration is retried by the next call, but at most this often, in milliseconds. */
const MIGRATION_RETRY_MS = 1_000

/**
 * The store's connection pools, with the schema migrated before anything else runs, and the three
 * ways the store talks to PostgreSQL — a read, a one-statement write, a transaction — each
 * turning failures into the StoreError codes callers catch.
 */
export class PgDatabase {
  /** Reads and writes other than appends. */
  readonly #pool: Pool
  /** Appends only (one commit in flight at a time), so they never queue behind reads. */
  readonly #commitPool: Pool
  /** The migration (pending, done, or failed and not yet retried); undefined: start one. */
  #schema: Promise<void> | undefined
  /** New work is refused (close() was called); appends made before still commit. */
  #refusing = false
  /** The pool is ending: nothing runs any more. */
  #ended = false

  constructor(url: string, timeouts: Partial<PgTimeouts> = {}) {
    const settings = { ...DEFAULT_TIMEOUTS, ...timeouts }
    this.#pool = new Pool(poolConfig(url, settings))
    // Kept open while idle: the first edit after a quiet spell does not wait for a new connection.
    this.#commitPool = new Pool({
      ...poolConfig(url, { ...settings, poolSize: 1 }),
      idleTimeoutMillis: 0,
    })
    // An idle connection that dies (database restart, terminated backend) is dropped by its pool
    // and reported here; the next query opens a new one. Queries report their own failures.
    this.#pool.on('error', () => {})
    this.#commitPool.on('error', () => {})
    // A checked-out client has no pool 'error' listener: if its socket breaks, pg emits 'error'
    // besides failing the query, and an unheard 'error' would end the process. The query reports it.
    for (const pool of [this.#pool, this.#commitPool]) {
      pool.on('connect', (client) => client.on('error', () => {}))
    }
    // Failures reach the calls that wait for the schema; nothing else must see them.
    this.migrated().catch(() => {})
  }

  /**
   * Resolves once the schema is migrated (the first attempt starts with the constructor).
   * Rejects with `unavailable` while the database cannot be reached or has a newer schema; a
   * call after that tries again.
   */
  migrated(): Promise<void> {
    if (this.#schema) return this.#schema
    const attempt = (async () => {
      const client = await this.#pool.connect()
      try {
        await migrate(client)
        client.release()
      } catch (err) {
        client.release(toError(err))
        throw err
      }
    })().catch((err: unknown) => {
      throw storeErrorOf(err, 'migrating the schema')
    })
    this.#schema = attempt
    attempt.catch(() => {
      setTimeout(() => {
        if (this.#schema === attempt) this.#schema = undefined
      }, MIGRATION_RETRY_MS).unref()
    })
    return attempt
  }

  /** True once close() began: new work is refused with `closed`. */
  get refusing(): boolean {
    return this.#refusing
  }

  /** Refuses work after close; waits for the schema. */
  async #enter(): Promise<void> {
    if (this.#refusing) throw closedError()
    await this.migrated()
  }

  /** One read statement on any pooled connection (a statement sees one snapshot). */
  async query<R extends object>(what: string, text: string, values: unknown[]): Promise<R[]> {
    await this.#enter()
    try {
      return (await this.#pool.query<R & Record<string, unknown>>(text, values)).rows
    } catch (err) {
      throw storeErrorOf(err, what)
    }
  }

  /**
   * One write statement in its own implicit transaction. Refused by the database (a statement
   * error): its code, e.g. `exists`; the connection failed while it ran: whether it committed is
   * unknown, `commit-failed`.
   */
  async write<R extends object>(what: string, text: string, values: unknown[]): Promise<R[]> {
    await this.#enter()
    return this.#statement(this.#pool, what, { text, values }, false)
  }

  /**
   * An append batch's statement: runs even while closing (appends made before close() commit),
   * and any failure is `commit-failed` — never acknowledged, the writers resend. With `name`, the
   * statement is prepared once per connection under that name and only executed after that
   * (parsing and planning the append took half its database CPU); `text` must then never change.
   */
  async commit<R extends object>(
    what: string,
    text: string,
    values: unknown[],
    name?: string,
  ): Promise<R[]> {
    if (this.#ended) throw closedError()
    try {
      await this.migrated()
    } catch (err) {
      throw storeErrorOf(err, what)
    }
    return this.#statement(this.#commitPool, what, { name, text, values }, true)
  }

  async #statement<R extends object>(
    pool: Pool,
    what: string,
    statement: { name?: string | undefined; text: string; values: unknown[] },
    anyFailureIsCommit: boolean,
  ): Promise<R[]> {
    const client = await this.#connect(pool, what)
    try {
      const { rows } = await client.query<R & Record<string, unknown>>(statement)
      client.release()
      return rows
    } catch (err) {
      const statementError = isStatementError(err)
      // A connection that failed is closed, not given back.
      client.release(statementError ? undefined : toError(err))
      throw statementError && !anyFailureIsCommit
        ? storeErrorOf(err, what)
        : commitErrorOf(err, what)
    }
  }

  /**
   * Runs `body` in a transaction opened with `begin`. A failure before COMMIT rolled it back
   * (`unavailable`, a StoreError `body` threw, or the statement's own code); a failure of COMMIT
   * itself leaves the outcome unknown (`commit-failed`).
   */
  async transaction<T>(
    what: string,
    body: (client: PoolClient) => Promise<T>,
    begin = 'BEGIN',
  ): Promise<T> {
    await this.#enter()
    const client = await this.#connect(this.#pool, what)
    let committing = false
    try {
      await client.query(begin)
      const result = await body(client)
      committing = true
      await client.query('COMMIT')
      client.release()
      return result
    } catch (err) {
      if (!committing && (err instanceof StoreError || isStatementError(err))) {
        // The connection works: end the transaction and give the connection back.
        await client.query('ROLLBACK').then(
          () => client.release(),
          (rollbackErr: unknown) => client.release(toError(rollbackErr)),
        )
      } else {
        client.release(toError(err))
      }
      throw committing ? commitErrorOf(err, what) : storeErrorOf(err, what)
    }
  }

  /** A pooled connection; failing to get one means nothing was sent (`unavailable`). */
  async #connect(pool: Pool, what: string): Promise<PoolClient> {
    try {
      return await pool.connect()
    } catch (err) {
      throw storeErrorOf(err, what)
    }
  }

  /** From now on, new work is refused with `closed` (commits of earlier appends still run). */
  refuse(): void {
    this.#refusing = true
  }

  /** Closes every connection once the queries in flight are done. */
  async end(): Promise<void> {
    this.#refusing = true
    this.#ended = true
    await Promise.all([this.#pool.end(), this.#commitPool.end()])
  }
}

/** The error of work refused after close. */
export function closedError(): StoreError {
  return new StoreError(StoreErrorCode.closed, 'store is closed')
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}
