/**
 * The REST contract: every route's request and response shape, as TypeBox schemas that the server
 * validates and serialises with and that also give the TypeScript types (`type X = Static<…>`),
 * plus the one catalog of error codes. Clients ignore fields they do not know; the server ignores
 * body fields it does not know, so adding an optional field is not a breaking change.
 */
import { Type, type Static } from 'typebox'
import { DOCUMENT_ID_PATTERN } from './documentId.js'
import { Limits } from './limits.js'
import { Role } from './presence.js'

/** A document link token (`/d/:id`), in the format of {@link DOCUMENT_ID_PATTERN}. */
export const LinkId = Type.String({ pattern: DOCUMENT_ID_PATTERN.source })
export type LinkId = Static<typeof LinkId>

/** A link's role, `edit` or `view`, as a schema; the type is {@link Role}. */
export const RoleSchema = Type.Enum(Role)

/** An instant as an ISO 8601 string in UTC, such as `2025-01-31T12:00:00.000Z`. */
export const Instant = Type.String({ format: 'date-time' })

// ---------------------------------------------------------------------------------------------
// POST /api/docs

/**
 * Largest Markdown or HTML source `POST /api/docs` imports, in bytes of UTF-8 (2 MiB); larger is
 * `413 too-large` and nothing is created.
 */
export const MAX_IMPORT_SOURCE_BYTES = 2 * 1024 * 1024

/**
 * Body of `POST /api/docs`: optional. Without a body, `{}`, or neither `markdown` nor `html`, it
 * creates an empty document. With one of them, the document starts with that content, converted
 * on the server with the editor's schema and stored as its first update before the links are
 * returned (so it is applied exactly once): what the editor cannot hold is dropped, HTML is
 * sanitised (no scripts, event handlers, or links to `javascript:` or `data:`), headings deeper
 * than the editor's become its deepest. Without `title`, a leading level-1 heading becomes the
 * title (and leaves the body). Both `markdown` and `html`, or content that cannot be converted
 * (nested too deeply), is `400 bad-request`; a source over {@link MAX_IMPORT_SOURCE_BYTES}, or a
 * result over the server's document size limit, is `413 too-large`; either way nothing is
 * created. Unknown fields are ignored.
 */
export const CreateDocumentBody = Type.Object({
  /** The title, one line of at most {@link Limits.maxTitleLength} characters. */
  title: Type.Optional(Type.String({ maxLength: Limits.maxTitleLength })),
  /** Content as Markdown (CommonMark with GitHub's strikethrough and task lists). */
  markdown: Type.Optional(Type.String()),
  /** Content as HTML: a fragment or a whole page (only its body is read). */
  html: Type.Optional(Type.String()),
})
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
// GET /api/docs/:id/export

/** The formats a document exports to, by their `format` parameter: Markdown, HTML, plain text. */
export const ExportFormat = {
  markdown: 'md',
  html: 'html',
  text: 'txt',
} as const
export type ExportFormat = (typeof ExportFormat)[keyof typeof ExportFormat]

/** The `Content-Type` each {@link ExportFormat} is sent with (always UTF-8). */
export const exportContentType: Readonly<Record<ExportFormat, string>> = {
  [ExportFormat.markdown]: 'text/markdown; charset=utf-8',
  [ExportFormat.html]: 'text/html; charset=utf-8',
  [ExportFormat.text]: 'text/plain; charset=utf-8',
}

/**
 * Query of `GET /api/docs/:id/export`. Any link that opens the document may export it, view links
 * included. `200` is the file, as an attachment named after the title (see `exportFileName`), that
 * starts with the title as a level-1 heading when there is one; HTML is a whole page that needs
 * nothing else. `version` exports that saved version instead: edit links only (`403` otherwise),
 * `404` if there is no such version.
 */
export const ExportQuery = Type.Object({
  format: Type.Enum(ExportFormat),
  version: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
})
export type ExportQuery = Static<typeof ExportQuery>

/** `200` from `GET /api/docs/:id/export`: the file's text, in the format's content type. */
export const ExportedFile = Type.String()
export type ExportedFile = Static<typeof ExportedFile>

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
// POST /api/search

/** Longest search query, in characters (UTF-16 code units); the shortest is 1. */
export const MAX_SEARCH_QUERY_LENGTH = 200

/** Most links one search may send. */
export const MAX_SEARCH_LINKS = 500

/** Most results one search returns. */
export const MAX_SEARCH_RESULTS = 50

/**
 * Body of `POST /api/search`: searches the documents behind `links` (the link tokens this browser
 * holds; there are no accounts) for the words of `q`, in titles and body text, with stemming and
 * prefix matching. Only the documents of the links sent are searched; a revoked or unknown link
 * matches nothing. `q` is words: quotes, `*`, `-`, `NEAR` and other query syntax are not
 * operators (see `searchTerms`). `q` outside 1–{@link MAX_SEARCH_QUERY_LENGTH} characters, more
 * than {@link MAX_SEARCH_LINKS} links, or a link not in the link format is `400 bad-request`.
 * Edits are findable within a few seconds of being saved.
 */
export const SearchBody = Type.Object({
  q: Type.String({ minLength: 1, maxLength: MAX_SEARCH_QUERY_LENGTH }),
  links: Type.Array(LinkId, { maxItems: MAX_SEARCH_LINKS }),
})
export type SearchBody = Static<typeof SearchBody>

/** A character range `[start, end)` in a string, as JavaScript counts (UTF-16 code units). */
export const TextRangeSchema = Type.Tuple([
  Type.Integer({ minimum: 0 }),
  Type.Integer({ minimum: 0 }),
])

/** One document found: which link found it, and an excerpt showing where. */
export const SearchResult = Type.Object({
  /** The link token that was sent for this document (never the document's internal id). */
  id: LinkId,
  /** The title (empty when it has none). */
  title: Type.String(),
  /** Plain text from the document around its first match (its start when only the title matched). */
  snippet: Type.String(),
  /** Where the query's words are in `snippet`, in order. */
  matches: Type.Array(TextRangeSchema),
  /** When the document was last edited. */
  updatedAt: Instant,
})
export type SearchResult = Static<typeof SearchResult>

/**
 * `200` from `POST /api/search`: at most {@link MAX_SEARCH_RESULTS} documents, best match first (a
 * match in the title weighs more than one in the body). When several links sent open the same
 * document, it appears once, under the first of them that can edit (else the first sent).
 */
export const SearchResults = Type.Object({ results: Type.Array(SearchResult) })
export type SearchResults = Static<typeof SearchResults>

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
  /** 403: the link may not do this (a view link rotating links or reading version history). */
  forbidden: 'forbidden',
  /** 404: no document behind this link: never created, deleted, or the link was rotated. */
  notFound: 'not-found',
  /** 404: no such route under `/api` (a wrong path or method, or an older server). */
  noRoute: 'no-route',
  /**
   * 413: the request body is over the server's limit, or what it asks for would make the document
   * larger than its size limit (restoring a version).
   */
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
