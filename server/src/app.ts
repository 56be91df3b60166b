import Fastify, { type FastifyInstance } from 'fastify'
import fastifyHelmet from '@fastify/helmet'
import type { Config } from './config.js'
import type { AppContext } from './context.js'
import { Metrics } from './metrics.js'
import { Converter } from './convert/Converter.js'
import type { FanOut } from './fanout/FanOut.js'
import { LocalFanOutHub } from './fanout/LocalFanOut.js'
import { RedisFanOut } from './fanout/RedisFanOut.js'
import { redactPath } from './redact.js'
import { decideAccess } from './rooms/access.js'
import { RoomManager } from './rooms/RoomManager.js'
import { AUTO_VERSION_INTERVAL_MS, setVersionSettings } from './rooms/versions/settings.js'
import { Session } from './rooms/Session.js'
import type { DocumentStore, StoreHooks } from './storage/DocumentStore.js'
import { openStore } from './storage/openStore.js'
import { SearchIndexer } from './search/SearchIndexer.js'
import { SyncEndpoint } from './transport/syncEndpoint.js'
import { configureApi } from './http/api.js'
import { documentRoutes } from './routes/documents.js'
import { versionRoutes } from './routes/versions.js'
import { exportRoutes } from './routes/export.js'
import { searchRoutes } from './routes/search.js'
import { healthRoutes } from './routes/health.js'
import { metricsRoutes } from './routes/metrics.js'
import { webRoutes } from './routes/web.js'

export type { Config } from './config.js'
export { loadConfig } from './config.js'
export type { AppContext } from './context.js'

/** Options for tests and embedders; production uses the defaults. */
export interface BuildOptions {
  /** Use this store instead of the one the config names (the app closes it on shutdown). */
  createStore?: (hooks: StoreHooks) => DocumentStore
  /** Fan-out to other instances; by default a hub of this app's own (no other instances). */
  fanout?: FanOut
  /**
   * The clock version history reads (when a version is taken, what retention thins), in
   * milliseconds since the epoch; tests move it instead of waiting.
   */
  versionClock?: () => number
}

declare module 'fastify' {
  interface FastifyInstance {
    tandem: AppContext
  }
}

/** Builds the whole server (API, sync socket, web app) without listening; tests use port 0. */
export async function buildApp(
  config: Config,
  options: BuildOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      serializers: {
        // Links are secrets: request logs show `/d/:id`, never the token.
        req: (req: { method: string; url: string; ip?: string }) => ({
          method: req.method,
          url: redactPath(req.url),
          remoteAddress: req.ip,
        }),
      },
    },
    bodyLimit: 1024 * 1024,
    trustProxy:
      typeof config.trustProxy === 'number'
        ? // Believe exactly that many proxy hops.
          (_address: string, hop: number) => hop < (config.trustProxy as number)
        : config.trustProxy,
  })

  const metrics = new Metrics()
  const store = options.createStore?.(metrics.storeHooks) ?? openStore(config, metrics.storeHooks)
  const fanout =
    options.fanout ??
    (config.redisUrl
      ? await RedisFanOut.connect({
          url: config.redisUrl,
          log: app.log.child({ component: 'fanout' }),
        })
      : new LocalFanOutHub().join())
  if (config.storage === 'postgres' && !config.redisUrl) {
    app.log.warn(
      'DATABASE_URL without REDIS_URL: instances see each other’s edits by polling PostgreSQL (about a second late) and not each other’s presence; set REDIS_URL for live fan-out',
    )
  }
  setVersionSettings(store, {
    retention: config.versionRetention,
    intervalMs: AUTO_VERSION_INTERVAL_MS,
    everyUpdates: config.versionEveryUpdates,
    now: options.versionClock ?? (() => Date.now()),
  })
  const indexer = new SearchIndexer({
    store,
    log: app.log.child({ component: 'search' }),
    delayMs: config.searchIndexDelayMs,
  })
  const rooms = new RoomManager({
    store,
    fanout,
    hooks: metrics,
    log: app.log,
    roomIdleMs: config.roomIdleMs,
    compactAfterUpdates: config.compactAfterUpdates,
    maxDocumentBytes: config.maxDocumentBytes,
    maxRooms: config.maxRooms,
    // Only a shared database has writers this instance does not hear from directly.
    headsPollMs: config.storage === 'postgres' ? 1_000 : 0,
    indexing: indexer,
  })
  indexer.start()
  const converter = new Converter({ log: app.log.child({ component: 'convert' }) })
  const ctx: AppContext = { config, store, rooms, converter, indexer, metrics, log: app.log }
  app.decorate('tandem', ctx)

  const sessionEnv = { limits: config, hooks: metrics }
  const sync = new SyncEndpoint(app.server, {
    config,
    log: app.log,
    hooks: metrics,
    authorize: (token) =>
      decideAccess(
        {
          store,
          log: app.log,
          accepting: rooms.accepting,
          allowCreateOnConnect: config.allowCreateOnConnect,
          grantInUse: (token) => rooms.grantInUse(token),
        },
        token,
      ),
    accept(connection, grant, params) {
      const session = new Session(
        connection,
        { role: grant.role, token: grant.token, ...params },
        sessionEnv,
      )
      connection.listener = session
      rooms.join(grant.docId, session)
    },
  })
  // Commit and compact first, then close every sync socket with 1012 so clients know to come back,
  // and wait for the sockets to finish closing.
  app.addHook('preClose', async () => {
    await rooms.shutdown()
    await sync.close(config.shutdownGraceMs)
  })
  app.addHook('onClose', async () => {
    await converter.close()
    await fanout.close()
    await indexer.close()
    await store.close()
  })

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Tiptap positions remote carets and labels with inline style attributes.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        workerSrc: ["'self'"],
        manifestSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // No upgrade-insecure-requests: the app must also work over plain http on a LAN address.
      },
    },
    // HSTS belongs to the TLS-terminating proxy; over plain http it would only confuse.
    strictTransportSecurity: false,
    // Cross-origin isolation headers would break nothing today but block future embeds.
    crossOriginEmbedderPolicy: false,
  })
  await app.register(async (scope) => {
    await configureApi(scope, config)
    await documentRoutes(scope, ctx)
    await versionRoutes(scope, ctx)
    await exportRoutes(scope, ctx)
    await searchRoutes(scope, ctx)
  })
  await app.register(async (scope) => healthRoutes(scope, ctx))
  await app.register(async (scope) => metricsRoutes(scope, ctx))
  await app.register(async (scope) => webRoutes(scope, ctx))
  return app
}
