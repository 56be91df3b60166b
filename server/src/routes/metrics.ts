import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../context.js'

/** `GET /metrics` in Prometheus text format; no per-document labels. */
export async function metricsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/metrics', async (_req, reply) => {
    const body = await ctx.metrics.registry.metrics()
    return reply.type(ctx.metrics.registry.contentType).send(body)
  })
}
