import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { HealthStatus, ReadinessStatus } from '@tandem/shared'
import type { AppContext } from '../context.js'

/**
 * `/healthz` (the process answers) and `/readyz` (accepting connections, storage reachable and
 * taking commits: after a failed commit, such as on a full disk, 503 until a write succeeds).
 */
export async function healthRoutes(scope: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>()
  app.get(
    '/healthz',
    { schema: { response: { 200: HealthStatus } } },
    async (): Promise<HealthStatus> => ({ status: 'ok' }),
  )
  app.get(
    '/readyz',
    { schema: { response: { 200: ReadinessStatus, 503: ReadinessStatus } } },
    async (_req, reply) => {
      if (!ctx.rooms.accepting) return reply.code(503).send({ status: 'shutting down' })
      try {
        await ctx.store.ping()
        return reply.code(200).send({ status: 'ready' })
      } catch (err) {
        ctx.log.warn({ err }, 'readiness check: storage unreachable or not taking commits')
        return reply.code(503).send({ status: 'storage unreachable' })
      }
    },
  )
}
