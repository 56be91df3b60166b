import type { FastifyInstance, FastifyRequest } from 'fastify'
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
  app.get<{ Params: { docId: string }; Querystring: Record<string, string | undefined> }>(
    '/sync/:docId',
    {
      websocket: true,
      preValidation: async (req) => {
        req.tandemAccess = await decideAccess(ctx, req.params.docId)
      },
    },
    (socket, req: FastifyRequest<{ Querystring: Record<string, string | undefined> }>) => {
      const access = req.tandemAccess ?? { refuse: CloseCode.badDocumentId }
      if ('refuse' in access) {
        socket.on('error', () => {})
        ctx.metrics.badMessages.inc({ reason: `refused_${access.refuse}` })
        socket.close(access.refuse, closeReasons[access.refuse])
        return
      }
      const session = new Session(socket, {
        role: access.grant.role,
        wantsAck: req.query[SyncParam.ack] === '1',
        maxMessageBytes: ctx.config.maxMessageBytes,
        metrics: ctx.metrics,
        onSocketError: (error) => req.log.debug({ err: error }, 'client socket error'),
      })
      ctx.rooms.join(access.grant.docId, session)
    },
  )
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
