/**
 * The REST contract: every route's request and response shape, as TypeBox schemas that the server
 * validates and serialises with and that also give the TypeScript types (`type X = Static<…>`),
 * plus the one catalog of error codes. Clients ignore fields they do not know; the server ignores
 * body fields it does not know, so adding an optional field is not a breaking change.
 */
import { Type, type Static } from 'typebox'
import { DOCUMENT_ID_PATTERN } from './documentId.js'
import { Role } from './presence.js'

/** A document link token (`/d/:id`), in the format of {@link DOCUMENT_ID_PATTERN}. */
export const LinkId = Type.String({ pattern: DOCUMENT_ID_PATTERN.source })
export type LinkId = Static<typeof LinkId>

/** A link's role, `edit` or `view`, as a schema; the type is {@link Role}. */
export const RoleSchema = Type.Enum(Role)

/** An instant as an ISO 8601 string in UTC, such as `2025-01-31T12:00:00.000Z`. */
const Instant = Type.String({ format: 'date-time' })

// ---------------------------------------------------------------------------------------------
// POST /api/docs

/**
 * Body of `POST /api/docs`: optional, and with no fields yet (sending none, or `{}`, creates an
 * empty document). Unknown fields are ignored.
 */
export const CreateDocumentBody = Type.Object({})
export type CreateDocumentBody = Static<typeof CreateDocumentBody>

/** `201` from `POST /api/docs`: the new document's edit link and view link, with app paths. */
export const CreatedDocument = Type.Object({
  /** The edit link token. */
  id: LinkId,
  /** The edit link's app path, `/d/<id>`. */
  url: Type.String(),
  /** The view link token. */
  viewId: LinkId,
  /** The view link's app path, `/d/<viewId>`. */
  viewUrl: Type.String(),
})
export type CreatedDocument = Static<typeof CreatedDocument>

// ---------------------------------------------------------------------------------------------
// GET /api/docs/:id

/** Path parameters of `GET /api/docs/:id`. */
export const DocumentParams = Type.Object({ id: LinkId })
export type DocumentParams = Static<typeof DocumentParams>

/** `200` from `GET /api/docs/:id`: what a link opens and what it may see. */
export const DocumentInfo = Type.Object({
  /** The link token that was looked up. */
  id: LinkId,
  /** What this link allows. */
  role: RoleSchema,
  /** Link tokens this link may see: an edit link sees both, a view link only itself. */
  links: Type.Object({
    edit: Type.Optional(LinkId),
    view: Type.Optional(LinkId),
  }),
  /** Size of the stored document (snapshot and log), in bytes. */
  sizeBytes: Type.Integer({ minimum: 0 }),
  createdAt: Instant,
  /** When the last edit was stored. */
  updatedAt: Instant,
})
export type DocumentInfo = Static<typeof DocumentInfo>

// ---------------------------------------------------------------------------------------------
// POST /api/docs/:id/links/:role/rotate

/** Path parameters of `POST /api/docs/:id/links/:role/rotate`: `id` must be an edit link. */
export const RotateLinkParams = Type.Object({ id: LinkId, role: RoleSchema })
export type RotateLinkParams = Static<typeof RotateLinkParams>

/** `200` from a rotation: the link that replaced the old one (which stopped working at once). */
export const RotatedLink = Type.Object({
  role: RoleSchema,
  /** The new link token. */
  id: LinkId,
  /** Its app path, `/d/<id>`. */
  url: Type.String(),
})
export type RotatedLink = Static<typeof RotatedLink>

// ---------------------------------------------------------------------------------------------
// Operations: GET /healthz, GET /readyz (GET /metrics is Prometheus text, not JSON)

/** `200` from `GET /healthz`: the process answers. */
export const HealthStatus = Type.Object({ status: Type.Literal('ok') })
export type HealthStatus = Static<typeof HealthStatus>

/** `GET /readyz`: `200` with `ready`, otherwise `503` with why not. */
export const ReadinessStatus = Type.Object({
  status: Type.Enum(['ready', 'shutting down', 'storage unreachable']),
})
export type ReadinessStatus = Static<typeof ReadinessStatus>

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * Every error code an `/api` route answers with. Codes are stable (clients branch on them);
 * messages are for people and may change.
 */
export const ApiErrorCode = {
  /** 400: the request does not fit the route: invalid JSON, a field of the wrong type, bad role. */
  badRequest: 'bad-request',
  /** 400: the `:id` is not in the link format (so it cannot be a document). */
  malformedId: 'malformed-id',
  /** 403: the link may not do this (a view link rotating links). */
  forbidden: 'forbidden',
  /** 404: no document behind this link: never created, deleted, or the link was rotated. */
  notFound: 'not-found',
  /** 404: no such route under `/api` (a wrong path or method, or an older server). */
  noRoute: 'no-route',
  /** 413: the request body is over the server's limit. */
  tooLarge: 'too-large',
  /** 415: a body in a content type the route does not read (send JSON). */
  unsupportedMediaType: 'unsupported-media-type',
  /** 429: too many requests from this address; retry after the `retry-after` header's seconds. */
  rateLimited: 'rate-limited',
  /** 500: a fault on the server; the message says nothing more, the server's log does. */
  internal: 'internal',
  /** 503: storage is unreachable or the server is shutting down; retry shortly. */
  unavailable: 'unavailable',
} as const
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode]

/** The HTTP status each {@link ApiErrorCode} is sent with. */
export const apiErrorStatus: Readonly<Record<ApiErrorCode, number>> = {
  [ApiErrorCode.badRequest]: 400,
  [ApiErrorCode.malformedId]: 400,
  [ApiErrorCode.forbidden]: 403,
  [ApiErrorCode.notFound]: 404,
  [ApiErrorCode.noRoute]: 404,
  [ApiErrorCode.tooLarge]: 413,
  [ApiErrorCode.unsupportedMediaType]: 415,
  [ApiErrorCode.rateLimited]: 429,
  [ApiErrorCode.internal]: 500,
  [ApiErrorCode.unavailable]: 503,
}

/** Body of every `/api` error: Fastify's own shape plus the machine-readable `code`. */
export const ApiError = Type.Object({
  /** The HTTP status, repeated. */
  statusCode: Type.Integer(),
  /** The status's reason phrase, such as `Not Found`. */
  error: Type.String(),
  /** What went wrong, for people; never contains a link token or server internals. */
  message: Type.String(),
  code: Type.Enum(ApiErrorCode),
})
export type ApiError = Static<typeof ApiError>

/** True if `value` looks like an {@link ApiError} body (a light check, for clients). */
export function isApiError(value: unknown): value is ApiError {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return (
    typeof v.statusCode === 'number' &&
    typeof v.message === 'string' &&
    typeof v.code === 'string' &&
    Object.hasOwn(apiErrorStatus, v.code)
  )
}
