import type { FastifyInstance } from 'fastify'
import fastifyRateLimit from '@fastify/rate-limit'
import type { Config } from '../config.js'

/**
 * Configures the `/api` scope before its routes register: the per-address rate limit and the
 * error shape every API error takes.
 */
export async function configureApi(scope: FastifyInstance, config: Config): Promise<void> {
  await scope.register(fastifyRateLimit, {
    max: config.apiRateLimitPerMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_req, context) => ({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `Rate limit exceeded: ${context.max} requests per minute; retry in ${context.after}`,
    }),
  })
}
