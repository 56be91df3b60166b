import { STATUS_CODES } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ApiErrorCode, apiErrorStatus, type ApiError } from '@tandem/shared'
import { redactPath } from '../redact.js'
import { StoreErrorCode, isStoreError } from '../storage/errors.js'

/**
 * An error a route throws to answer with an {@link ApiErrorCode}; the API scope's error handler
 * sends it. `message` reaches the client, so it must not contain link tokens or internals.
 */
export class ApiHttpError extends Error {
  override name = 'ApiHttpError'
  /** The HTTP status of `code` (Fastify reads it, e.g. in logs). */
  readonly statusCode: number
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message)
    this.statusCode = apiErrorStatus[code]
  }
}

/** The {@link ApiError} body for `code`: Fastify's error shape plus the code. */
export function apiErrorBody(code: ApiErrorCode, message: string): ApiError {
  const statusCode = apiErrorStatus[code]
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, code }
}

/** Sends an {@link ApiError} with the status its `code` is sent with. */
export function sendError(reply: FastifyReply, code: ApiErrorCode, message: string): FastifyReply {
  const body = apiErrorBody(code, message)
  return reply.code(body.statusCode).send(body)
}

/** The code of a client error Fastify raised itself (bad JSON, body too large, …), by status. */
const codeOfClientStatus: Partial<Record<number, ApiErrorCode>> = {
  400: ApiErrorCode.badRequest,
  404: ApiErrorCode.notFound,
  413: ApiErrorCode.tooLarge,
  415: ApiErrorCode.unsupportedMediaType,
  429: ApiErrorCode.rateLimited,
}

/** What Fastify puts on a schema validation error (one Ajv error: `allErrors` is off). */
interface ValidationFailure {
  validation: { instancePath: string; keyword: string; params: Record<string, unknown> }[]
  validationContext?: string
  message: string
}

/**
 * The API scope's error handler: every error leaves as an {@link ApiError}. Route errors keep
 * their code; a malformed `:id` (every `:id` under /api is a link token) is `malformed-id`; other
 * schema violations and Fastify's own 4xx are `bad-request` & co. with Fastify's message; a store
 * that is down, closed or failing its commits is `unavailable`; anything else is a 500 whose message says nothing.
 */
export function handleApiError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const { code, message } = describe(error)
  if (apiErrorStatus[code] >= 500) request.log.error({ err: error }, 'API request failed')
  else request.log.debug({ err: error, code }, 'API request refused')
  return sendError(reply, code, message)
}

function describe(error: unknown): { code: ApiErrorCode; message: string } {
  if (error instanceof ApiHttpError) return { code: error.code, message: error.message }
  if (
    isStoreError(error, StoreErrorCode.unavailable) ||
    isStoreError(error, StoreErrorCode.closed) ||
    // A write that could not be stored (a full disk, a database that went away mid-commit).
    isStoreError(error, StoreErrorCode.commitFailed)
  ) {
    return { code: ApiErrorCode.unavailable, message: 'Storage is unavailable; try again shortly' }
  }
  if (isValidationFailure(error)) return describeValidation(error)
  const status = (error as { statusCode?: unknown } | null)?.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = error instanceof Error ? error.message : (STATUS_CODES[status] ?? 'Bad request')
    return { code: codeOfClientStatus[status] ?? ApiErrorCode.badRequest, message }
  }
  if (status === 503) {
    return { code: ApiErrorCode.unavailable, message: 'Service unavailable; try again shortly' }
  }
  return { code: ApiErrorCode.internal, message: 'Internal server error' }
}

function isValidationFailure(error: unknown): error is ValidationFailure {
  return error instanceof Error && Array.isArray((error as Partial<ValidationFailure>).validation)
}

function describeValidation(error: ValidationFailure): { code: ApiErrorCode; message: string } {
  const [first] = error.validation
  if (error.validationContext === 'params' && first?.instancePath === '/id') {
    return { code: ApiErrorCode.malformedId, message: 'Malformed document id' }
  }
  // Ajv says "must be equal to one of the allowed values" without naming them.
  const allowed = first?.keyword === 'enum' ? first.params.allowedValues : undefined
  if (Array.isArray(allowed)) {
    const where = `${error.validationContext ?? 'request'}${first?.instancePath ?? ''}`
    const values = allowed.map((value) => JSON.stringify(value)).join(', ')
    return { code: ApiErrorCode.badRequest, message: `${where} must be one of ${values}` }
  }
  return { code: ApiErrorCode.badRequest, message: error.message }
}

/** Not-found handler under /api: a `no-route` error naming the method and (redacted) path. */
export function handleApiNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = redactPath(request.url)
  return sendError(reply, ApiErrorCode.noRoute, `No route ${request.method} ${path}`)
}
