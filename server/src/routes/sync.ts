import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'
import { CloseCode, SyncParam, closeReasons, isValidDocumentId } from '@tandem/shared'
import type { LinkGrant } from '../storage/DocumentStore.js'
import { Session } from '../rooms/Session.js'
import type { AppContext } from '../context.js'

/** The decision made before the upgrade: a grant, or a close code to refuse with after it. */
type Access = { grant: LinkGrant } | { refuse: CloseCode }

declare module 'fastify' {
  interface FastifyRequest {
    tandemAccess?: Access
  }
}

/**
 * `GET /sync/:docId` — the y-websocket endpoint. The link is resolved in a hook before the
 * upgrade; a refusal still completes the upgrade and then closes with its code, because an HTTP
 * error at the handshake reaches a browser only as 1006.
 */
export async function syncRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const connectionsByIp = new Map<string, number>()
  app.get<{ Params: { docId: string }; Querystring: Record<string, string | undefined> }>(
    '/sync/:docId',
    {
      websocket: true,
      // Security headers mean nothing on a 101 Switching Protocols; skip their cost per connect.
      helmet: false,
      preValidation: async (req) => {
        if (!originAllowed(ctx.config, req)) {
          req.tandemAccess = { refuse: CloseCode.forbidden }
          return
        }
        if ((connectionsByIp.get(req.ip) ?? 0) >= ctx.config.maxConnectionsPerIp) {
          req.tandemAccess = { refuse: CloseCode.rateLimited }
          return
        }
        req.tandemAccess = await decideAccess(ctx, req.params.docId)
      },
    },
    (socket, req: FastifyRequest<{ Querystring: Record<string, string | undefined> }>) => {
      const access = req.tandemAccess ?? { refuse: CloseCode.badDocumentId }
      const ip = req.ip
      // The per-address cap is checked again here, synchronously: handshakes that passed the hook
      // together count now.
      const overCap = (connectionsByIp.get(ip) ?? 0) >= ctx.config.maxConnectionsPerIp
      if ('refuse' in access || overCap) {
        const code = 'refuse' in access ? access.refuse : CloseCode.rateLimited
        socket.on('error', () => {})
        ctx.metrics.badMessages.inc({ reason: `refused ${code}` })
        socket.close(code, closeReasons[code])
        return
      }
      connectionsByIp.set(ip, (connectionsByIp.get(ip) ?? 0) + 1)
      socket.once('close', () => {
        const left = (connectionsByIp.get(ip) ?? 1) - 1
        if (left > 0) connectionsByIp.set(ip, left)
        else connectionsByIp.delete(ip)
      })
      // Keep no HTTP objects alive for the socket's lifetime (≈ 10 KiB per idle connection):
      // @fastify/websocket's error listener holds the request and reply (the session installs its
      // own), and the TCP socket still points at the upgrade's ServerResponse.
      socket.removeAllListeners('error')
      releaseUpgradeResponse(socket)
      const log = req.log
      const tab = req.query[SyncParam.tab]
      const session = new Session(socket, {
        role: access.grant.role,
        token: access.grant.token,
        tabSecret: tab && TAB_SECRET.test(tab) ? tab : undefined,
        wantsAck: req.query[SyncParam.ack] === '1',
        limits: ctx.config,
        metrics: ctx.metrics,
        onSocketError: (error) => log.debug({ err: error }, 'client socket error'),
      })
      ctx.rooms.join(access.grant.docId, session)
    },
  )
}

const TAB_SECRET = /^[A-Za-z0-9_-]{16,64}$/

function releaseUpgradeResponse(socket: WebSocket): void {
  const tcp = (socket as unknown as { _socket?: { _httpMessage?: ServerResponse | null } })._socket
  const response = tcp?._httpMessage
  if (tcp && response) response.detachSocket(tcp as unknown as Socket)
}
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * Guards against cross-site WebSocket hijacking: a browser always sends Origin, so a page on
 * another site is refused unless listed in ALLOWED_ORIGINS. Non-browser clients send no Origin.
 */
function originAllowed(config: AppContext['config'], req: FastifyRequest): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return true
  if (config.allowedOrigins.includes('*') || config.allowedOrigins.includes(origin)) return true
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  if (url.host === req.host) return true
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
