import crypto from 'node:crypto'
import pg from 'pg'

/**
 * Throwaway PostgreSQL databases for tests, on the machine's server: TANDEM_TEST_DATABASE_URL
 * (a URL of the maintenance database) if set, else PGHOST/PGPORT/PGUSER, else
 * postgres@127.0.0.1:5432 (trust auth). Each test database is created for the test and dropped
 * after it.
 */
export function maintenanceUrl(): string {
  const fromEnv = process.env.TANDEM_TEST_DATABASE_URL?.trim()
  if (fromEnv) return fromEnv
  const url = new URL('postgres://127.0.0.1:5432/postgres')
  url.hostname = process.env.PGHOST?.trim() || '127.0.0.1'
  url.port = process.env.PGPORT?.trim() || '5432'
  url.username = process.env.PGUSER?.trim() || 'postgres'
  if (process.env.PGPASSWORD) url.password = process.env.PGPASSWORD
  return url.toString()
}

/** The URL of database `name` on the test server. */
export function databaseUrl(name: string): string {
  const url = new URL(maintenanceUrl())
  url.pathname = `/${name}`
  return url.toString()
}

/** Runs `body` with a connection to `url`, closed afterwards. */
export async function withClient<T>(
  url: string,
  body: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 })
  // A backend terminated while idle reports here; the query that needed it fails on its own.
  client.on('error', () => {})
  await client.connect()
  try {
    return await body(client)
  } finally {
    await client.end().catch(() => {})
  }
}

/**
 * Why PostgreSQL tests cannot run here (no server, or no right to create databases), or
 * undefined when they can.
 */
export async function postgresUnavailable(): Promise<string | undefined> {
  const target = new URL(maintenanceUrl())
  const where = `${target.username}@${target.hostname}:${target.port || 5432}`
  try {
    const canCreate = await withClient(maintenanceUrl(), async (client) => {
      const { rows } = await client.query<{ ok: boolean }>(
        'SELECT rolcreatedb OR rolsuper AS ok FROM pg_roles WHERE rolname = current_user',
      )
      return rows[0]?.ok === true
    })
    return canCreate ? undefined : `${where} may not create databases`
  } catch (err) {
    return `PostgreSQL at ${where} is unreachable (${err instanceof Error ? err.message : String(err)})`
  }
}

/** A database created for one test. */
export interface TestDatabase {
  name: string
  url: string
  /** Drops the database, disconnecting whoever is still connected; safe to call twice. */
  drop(): Promise<void>
}

/** Creates an empty database `tandem_test_<random>`. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `tandem_test_${crypto.randomBytes(6).toString('hex')}`
  await withClient(maintenanceUrl(), (client) => client.query(`CREATE DATABASE ${name}`))
  let dropped: Promise<void> | undefined
  return {
    name,
    url: databaseUrl(name),
    drop() {
      dropped ??= withClient(maintenanceUrl(), async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      })
      return dropped
    },
  }
}
