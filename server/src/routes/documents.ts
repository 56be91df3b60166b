import type { FastifyInstance, FastifyReply } from 'fastify'
import {
  CloseCode,
  Role,
  documentPath,
  generateDocumentId,
  isValidDocumentId,
} from '@tandem/shared'
import type { AppContext } from '../context.js'

/** Sends a JSON error in Fastify's own shape: `{statusCode, error, message}`. */
export function sendError(reply: FastifyReply, statusCode: number, message: string): FastifyReply {
  const names: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' }
  const error = names[statusCode] ?? 'Error'
  return reply.code(statusCode).send({ statusCode, error, message })
}

/**
 * Document REST API. A link token (the `id` in `/d/:id`) maps to an internal document and a role;
 * the internal id never leaves the server, so links can be rotated later.
 */
export async function documentRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/api/docs', async (_req, reply) => {
    const docId = generateDocumentId()
    const editToken = generateDocumentId()
    const viewToken = generateDocumentId()
    await ctx.store.createDocument(docId, [
      { token: editToken, role: 'edit' },
      { token: viewToken, role: 'view' },
    ])
    return reply.code(201).send({
      id: editToken,
      url: documentPath(editToken),
      viewId: viewToken,
      viewUrl: documentPath(viewToken),
    })
  })

  app.get<{ Params: { id: string } }>('/api/docs/:id', async (req, reply) => {
    const { id } = req.params
    if (!isValidDocumentId(id)) return sendError(reply, 400, 'Malformed document id')
    const grant = await ctx.store.resolveLink(id)
    const meta = grant && (await ctx.store.getMeta(grant.docId))
    if (!grant || !meta) return sendError(reply, 404, 'No such document')
    // An edit link reveals the view link; a view link reveals nothing more.
    const links: Partial<Record<Role, string>> = {}
    if (grant.role === 'edit') {
      for (const link of await ctx.store.linksOf(grant.docId)) links[link.role] ??= link.token
    } else {
      links.view = id
    }
    return {
      id,
      role: grant.role,
      links,
      sizeBytes: meta.sizeBytes,
      createdAt: new Date(meta.createdAt).toISOString(),
      updatedAt: new Date(meta.updatedAt).toISOString(),
    }
  })

  app.post<{ Params: { id: string; role: string } }>(
    '/api/docs/:id/links/:role/rotate',
    async (req, reply) => {
      const { id, role } = req.params
      if (!isValidDocumentId(id)) return sendError(reply, 400, 'Malformed document id')
      if (role !== Role.edit && role !== Role.view) {
        return sendError(reply, 400, 'Role must be "edit" or "view"')
      }
      const grant = await ctx.store.resolveLink(id)
      if (!grant) return sendError(reply, 404, 'No such document')
      if (grant.role !== Role.edit)
        return sendError(reply, 403, 'Only an edit link can rotate links')
      const token = generateDocumentId()
      const revoked = await ctx.store.rotateLink(grant.docId, role, token)
      // The old link stops working now, for open connections too.
      const closed = ctx.rooms.closeLinks(grant.docId, revoked, CloseCode.forbidden)
      req.log.info({ role, closed }, 'link rotated')
      return { role, id: token, url: documentPath(token) }
    },
  )
}
