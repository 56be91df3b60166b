import Fastify from 'fastify'
import { ConfigError, loadConfig } from './config.js'
import { buildApp } from './app.js'
import { DamagedDatabaseError } from './storage/sqlite/DamagedDatabaseError.js'
import { DiskFullError } from './storage/sqlite/DiskFullError.js'

/** Exit status when the database is damaged: restarting will not help, recovering will. */
const EXIT_DAMAGED_DATABASE = 3

let config
try {
  config = loadConfig()
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`Configuration error: ${err.message}\n`)
    process.exit(2)
  }
  throw err
}

let app
try {
  app = await buildApp(config)
} catch (err) {
  // Failures an operator must act on: what to do in plain text on stderr, then one log line for
  // collectors. The app, and so its logger, never came to be: a logger with the app's settings.
  const log = () => Fastify({ logger: { level: config.logLevel } }).log
  if (err instanceof DamagedDatabaseError) {
    process.stderr.write(`${err.message}\n`)
    log().fatal(
      {
        file: err.file,
        problem: err.problem,
        recovery: 'restore the latest backup, or salvage with sqlite3 ".recover" (see stderr)',
      },
      'the database is damaged; refusing to start',
    )
    process.exit(EXIT_DAMAGED_DATABASE)
  }
  if (err instanceof DiskFullError) {
    process.stderr.write(`${err.message}\n`)
    log().fatal({ file: err.file, freeBytes: err.freeBytes }, 'the disk is full; cannot start')
    process.exit(1)
  }
  throw err
}
try {
  await app.listen({ port: config.port, host: config.host })
} catch (err) {
  app.log.fatal({ err }, 'could not start listening')
  process.exit(1)
}
const address = app.server.address()
const port = typeof address === 'object' && address ? address.port : config.port
const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host
// The startup line is printed at any level but silent: operators and tools read the port from it.
const startupLog = config.logLevel === 'silent' ? app.log : app.log.child({}, { level: 'info' })
startupLog.info(
  { port, url: `http://${shownHost}:${port}`, dataDir: config.dataDir, storage: config.storage },
  'Tandem listening',
)

let stopping = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    app.log.info({ signal }, 'shutting down')
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  })
}
