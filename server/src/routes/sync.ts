import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import proxyAddr from '@fastify/proxy-addr'
import type { FastifyInstance } from 'fastify'
import { WebSocketServer, type WebSocket } from 'ws'
import { CloseCode, SyncParam, closeReasons, isValidDocumentId } from '@tandem/shared'
import type { Config } from '../config.js'
import type { LinkGrant } from '../storage/DocumentStore.js'
import { Session, type SessionEnv } from '../rooms/Session.js'
import type { AppContext } from '../context.js'
import { redactPath } from './web.js'

/** The decision made before the upgrade: a grant, or a close code to refuse with after it. */
type Access = { grant: LinkGrant } | { refuse: CloseCode }

const SYNC_PATH = /^\/sync\/([^/?#]*)(?:\?(.*))?$/
const TAB_SECRET = /^[A-Za-z0-9_-]{16,64}$/
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * `GET /sync/:docId` — the y-websocket endpoint, served from the HTTP server's `upgrade` event by
 * `ws` itself: a connection costs a handshake and a session, not a trip through the HTTP
 * framework. The link is resolved before the upgrade; a refusal still completes the upgrade and
 * then closes with its code, because an HTTP error at the handshake reaches a browser only as 1006.
 */
export function attachSync(app: FastifyInstance, ctx: AppContext): void {
  const { config } = ctx
  const wss = new WebSocketServer({
    noServer: true,
    // A hard ceiling for ws itself; the session refuses anything over maxMessageBytes with 4413.
    maxPayload: Math.min(config.maxMessageBytes * 2, 1024 * 1024 * 1024),
    perMessageDeflate: false,
    clientTracking: false,
  })
  wss.on('wsClientError', (error, socket) => {
    ctx.metrics.socketErrors.inc()
    ctx.log.debug({ err: error }, 'websocket handshake failed')
    socket.destroy()
  })
  const clientAddress = addressResolver(config)
  // Skips building the log line (a path redaction per connection) when nobody reads it.
  const debugEnabled = ['debug', 'trace'].includes(config.logLevel)
  const connectionsByIp = new Map<string, number>()
  const env: SessionEnv = {
    limits: config,
    metrics: ctx.metrics,
    onSocketError: (error) => ctx.log.debug({ err: error }, 'client socket error'),
    onSocketClosed: (session) => {
      const left = (connectionsByIp.get(session.address) ?? 1) - 1
      if (left > 0) connectionsByIp.set(session.address, left)
      else connectionsByIp.delete(session.address)
    },
  }

  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node removes its own error listener from an upgraded socket: until ws takes the socket over,
    // its errors (a reset mid-handshake) are ours to swallow, or they would end the process.
    socket.on('error', ignore)
    const match = SYNC_PATH.exec(req.url ?? '')
    if (!match) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    const ip = clientAddress(req)
    if (debugEnabled) {
      ctx.log.debug({ url: redactPath(req.url ?? ''), remoteAddress: ip }, 'sync connection')
    }
    decide(ctx, req, ip, match[1] ?? '', connectionsByIp)
      .then((access) => {
        if (socket.destroyed) return
        wss.handleUpgrade(req, socket, head, (ws) => {
          socket.off('error', ignore)
          open(ctx, ws, access, ip, new URLSearchParams(match[2] ?? ''), connectionsByIp, env)
        })
      })
      .catch((err: unknown) => {
        // One connection's failure never reaches the others: it is logged and dropped.
        ctx.log.error({ err }, 'setting up a sync connection failed')
        socket.destroy()
      })
  })
}

async function decide(
  ctx: AppContext,
  req: IncomingMessage,
  ip: string,
  token: string,
  connectionsByIp: Map<string, number>,
): Promise<Access> {
  if (!originAllowed(ctx.config, req)) return { refuse: CloseCode.forbidden }
  if ((connectionsByIp.get(ip) ?? 0) >= ctx.config.maxConnectionsPerIp) {
    return { refuse: CloseCode.rateLimited }
  }
  return decideAccess(ctx, token)
}

function open(
  ctx: AppContext,
  socket: WebSocket,
  access: Access,
  ip: string,
  query: URLSearchParams,
  connectionsByIp: Map<string, number>,
  env: SessionEnv,
): void {
  // The per-address cap is checked again here, synchronously: handshakes that were decided
  // together count now.
  const overCap = (connectionsByIp.get(ip) ?? 0) >= ctx.config.maxConnectionsPerIp
  if ('refuse' in access || overCap) {
    const code = 'refuse' in access ? access.refuse : CloseCode.rateLimited
    socket.on('error', ignore)
    ctx.metrics.badMessages.inc({ reason: `refused ${code}` })
    socket.close(code, closeReasons[code])
    return
  }
  connectionsByIp.set(ip, (connectionsByIp.get(ip) ?? 0) + 1)
  const tab = query.get(SyncParam.tab)
  const session = new Session(
    socket,
    {
      role: access.grant.role,
      token: access.grant.token,
      tabSecret: tab && TAB_SECRET.test(tab) ? tab : undefined,
      wantsAck: query.get(SyncParam.ack) === '1',
      address: ip,
    },
    env,
  )
  ctx.rooms.join(access.grant.docId, session)
}

function ignore(): void {}

/**
 * The client's address as Fastify computes `request.ip` for the HTTP routes: the peer address, or
 * with TRUST_PROXY the nearest untrusted X-Forwarded-For entry.
 */
function addressResolver(config: Config): (req: IncomingMessage) => string {
  const setting = config.trustProxy
  if (setting === false) return (req) => req.socket.remoteAddress ?? ''
  const trust =
    setting === true
      ? () => true
      : typeof setting === 'number'
        ? (_address: string, hop: number) => hop < setting
        : proxyAddr.compile(setting)
  return (req) => proxyAddr(req, trust)
}

/** The Host the client asked for; behind a trusted proxy, the last X-Forwarded-Host. */
function requestHost(config: Config, req: IncomingMessage): string | undefined {
  const forwarded = req.headers['x-forwarded-host']
  if (config.trustProxy !== false && typeof forwarded === 'string' && forwarded !== '') {
    return forwarded.slice(forwarded.lastIndexOf(',') + 1).trim()
  }
  return req.headers.host
}

/**
 * Guards against cross-site WebSocket hijacking: a browser always sends Origin, so a page on
 * another site is refused unless listed in ALLOWED_ORIGINS. Non-browser clients send no Origin.
 */
function originAllowed(config: Config, req: IncomingMessage): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return true
  if (config.allowedOrigins.includes('*') || config.allowedOrigins.includes(origin)) return true
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  if (url.host === requestHost(config, req)) return true
  // The Vite dev server (pnpm dev) runs on another local port and proxies the socket.
  return config.development && LOCAL_HOSTS.has(url.hostname)
}

async function decideAccess(ctx: AppContext, token: string): Promise<Access> {
  if (!isValidDocumentId(token)) return { refuse: CloseCode.badDocumentId }
  if (!ctx.rooms.accepting) return { refuse: CloseCode.restarting }
  try {
    const grant = await ctx.store.resolveLink(token)
    if (grant) return { grant }
    if (!ctx.config.allowCreateOnConnect) return { refuse: CloseCode.unknownDocument }
    try {
      await ctx.store.createDocument(token, [{ token, role: 'edit' }])
    } catch {
      // Another connection created it at the same moment; the lookup below finds it.
    }
    const created = await ctx.store.resolveLink(token)
    return created ? { grant: created } : { refuse: CloseCode.loadFailure }
  } catch (err) {
    ctx.log.error({ err }, 'resolving a link failed')
    return { refuse: CloseCode.loadFailure }
  }
}
