import type { FastifyInstance, FastifyReply } from 'fastify'
import { documentPath, generateDocumentId, isValidDocumentId } from '@tandem/shared'
import type { AppContext } from '../context.js'

/** Sends a JSON error in Fastify's own shape: `{statusCode, error, message}`. */
export function sendError(reply: FastifyReply, statusCode: number, message: string): FastifyReply {
  const error = statusCode === 400 ? 'Bad Request' : statusCode === 404 ? 'Not Found' : 'Error'
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
    await ctx.store.createDocument(docId, [{ token: editToken, role: 'edit' }])
    return reply.code(201).send({ id: editToken, url: documentPath(editToken) })
  })

  app.get<{ Params: { id: string } }>('/api/docs/:id', async (req, reply) => {
    const { id } = req.params
    if (!isValidDocumentId(id)) return sendError(reply, 400, 'Malformed document id')
    const grant = await ctx.store.resolveLink(id)
    const meta = grant && (await ctx.store.getMeta(grant.docId))
    if (!grant || !meta) return sendError(reply, 404, 'No such document')
    return {
      id,
      role: grant.role,
      sizeBytes: meta.sizeBytes,
      createdAt: new Date(meta.createdAt).toISOString(),
      updatedAt: new Date(meta.updatedAt).toISOString(),
    }
  })
}
