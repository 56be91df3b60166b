import type { FastifyInstance, preValidationHookHandler } from 'fastify'
import fastifyRateLimit from '@fastify/rate-limit'
import { ApiError, ApiErrorCode } from '@tandem/shared'
import type { Config } from '../config.js'
import { ApiHttpError, handleApiError, handleApiNotFound } from './errors.js'

/**
 * Configures the `/api` scope before its routes register: the per-address rate limit, and the
 * {@link ApiError} shape (with a `code`) that every API error takes, unknown `/api` routes
 * included.
 */
export async function configureApi(scope: FastifyInstance, config: Config): Promise<void> {
  await scope.register(fastifyRateLimit, {
    max: config.apiRateLimitPerMinute,
    timeWindow: 60_000,
    // The rate limiter throws what this returns; the error handler below sends it.
    errorResponseBuilder: (_req, context) =>
      new ApiHttpError(
        ApiErrorCode.rateLimited,
        `Rate limit exceeded: ${context.max} requests per minute; retry in ${context.after}`,
      ),
  })
  scope.setErrorHandler(handleApiError)
  // Fastify keys not-found handlers by route prefix and the web app owns "/", so this one lives
  // in a child with the /api prefix. It is rate limited too: guessing paths costs like guessing
  // links.
  await scope.register(
    async (api) => {
      api.setNotFoundHandler({ preHandler: scope.rateLimit() }, handleApiNotFound)
    },
    { prefix: '/api' },
  )
}

/** Every API route's error responses, for its `response` schema. */
export const errorResponses = { '4xx': ApiError, '5xx': ApiError } as const

/**
 * A `preValidation` hook for routes whose JSON body is optional: a request without a body is
 * validated (and handled) as `{}`.
 */
export const optionalBody: preValidationHookHandler = (request, _reply, done) => {
  request.body ??= {}
  done()
}
