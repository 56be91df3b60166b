import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../context.js'

/** `/healthz` (the process answers) and `/readyz` (storage reachable, accepting connections). */
export async function healthRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (_req, reply) => {
    if (!ctx.rooms.accepting) return reply.code(503).send({ status: 'shutting down' })
    try {
      await ctx.store.ping()
      return { status: 'ready' }
    } catch (err) {
      ctx.log.warn({ err }, 'readiness check: storage unreachable')
      return reply.code(503).send({ status: 'storage unreachable' })
    }
  })
}
