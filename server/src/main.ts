import { ConfigError, loadConfig } from './config.js'
import { buildApp } from './app.js'

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

const app = await buildApp(config)
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
