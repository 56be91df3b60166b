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
const Instant = Type.String({ format: 'date-time' })

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
// Version history: /api/docs/:id/versions… Only edit links may use these routes (history can hold
// text that was removed on purpose): a view link gets 403 `forbidden`, an unknown version 404
// `not-found`, an unknown or malformed link as in the routes above.

/**
 * How a version came to be: `auto` (saved by the server when the log is compacted, when the
 * document unloads after edits, and at least every 10 minutes while people edit; thinned by the
 * server's retention setting), `named` (an editor named the state; kept forever) or `restore`
 * (the state just before someone restored another version; kept forever, so a restore can be
 * undone by restoring it).
 */
export const VersionKind = {
  auto: 'auto',
  named: 'named',
  restore: 'restore',
} as const
export type VersionKind = (typeof VersionKind)[keyof typeof VersionKind]

/** Longest version name, in characters (code points) after trimming; the shortest is 1. */
export const MAX_VERSION_NAME_LENGTH = 100

/**
 * The name `raw` as stored (trimmed), or undefined if it is not 1–{@link MAX_VERSION_NAME_LENGTH}
 * characters after trimming (the server answers 400 `bad-request` then).
 */
export function versionName(raw: string): string | undefined {
  const name = raw.trim()
  const length = Array.from(name).length
  return length >= 1 && length <= MAX_VERSION_NAME_LENGTH ? name : undefined
}

/** A version id: opaque and URL-safe (today 22 characters). */
export const VersionId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })
export type VersionId = Static<typeof VersionId>

/**
 * A person as the server recorded them from their connection's presence (awareness `user.name`
 * and `user.color`, cleaned as `displayUser` in presence.ts does): a name of 1–40 characters
 * (`Anonymous` when the connection had none) and a `#rrggbb` colour (derived from the Yjs client
 * id when it had none). Render the name as text only.
 */
export const VersionAuthor = Type.Object({
  name: Type.String(),
  color: Type.String(),
})
export type VersionAuthor = Static<typeof VersionAuthor>

/** One version, as listed. */
export const Version = Type.Object({
  id: VersionId,
  /** The name an editor gave it; null unless `kind` is `named`. */
  name: Type.Union([Type.String(), Type.Null()]),
  kind: Type.Enum(VersionKind),
  /** When the state was taken. */
  createdAt: Instant,
  /**
   * The people who changed the document since the previous version, each once (by name and
   * colour), in no particular order; empty when the server knows of nobody (e.g. the first
   * version of a document written before history existed).
   */
  authors: Type.Array(VersionAuthor),
})
export type Version = Static<typeof Version>

/** Path parameters of the routes of one version. */
export const VersionParams = Type.Object({ id: LinkId, versionId: VersionId })
export type VersionParams = Static<typeof VersionParams>

/** `200` from `GET /api/docs/:id/versions`: every version kept, newest first. */
export const VersionList = Type.Object({ versions: Type.Array(Version) })
export type VersionList = Static<typeof VersionList>

/**
 * Body of `POST /api/docs/:id/versions`: saves the current state as a named version (`201` with
 * it). The name must be 1–{@link MAX_VERSION_NAME_LENGTH} characters after trimming (see
 * {@link versionName}), otherwise `400`.
 */
export const CreateVersionBody = Type.Object({ name: Type.String() })
export type CreateVersionBody = Static<typeof CreateVersionBody>

/**
 * `200` from `GET /api/docs/:id/versions/:versionId`: the version's fields, the whole document at
 * that version, and who wrote it.
 *
 * - `update`: the document as it was, a base64 Yjs V1 update: apply it to a fresh `Y.Doc` (the
 *   rich text is the XmlFragment `default`, the title the Text `title`). For y-tiptap's snapshot
 *   rendering, which takes two V2 updates, convert it with `Y.convertUpdateFormatV1ToV2`.
 * - `clients`: every Yjs client id (as a decimal string) whose content this version holds, with
 *   its author. To colour the changes between an older version A and this version B: render B
 *   against A (y-tiptap applies A, takes `Y.snapshot`, applies B, takes `Y.snapshot`); an insertion
 *   between them is an item whose client id is in B's `clients` (every item of B is), so B's map
 *   alone colours the changes since any older version. y-tiptap asks its `permanentUserData` for
 *   the user of each change and its `colorMapping` for that user's colour, so give it a stand-in,
 *   `{ dss: new Map(), getUserByClientId: (c) => String(c), getUserByDeletedId: () => null }`,
 *   and a `colorMapping` filled from this map (key: the client id string; `null` for deletions).
 *   Deletions have no author: a Yjs item records who created it, not who deleted it, so strike
 *   them through in one neutral colour (the version's `authors` does name who deleted). Content
 *   a restore brought back belongs to a client named `Restored version`. The map is the server's
 *   current knowledge (someone who renamed themselves shows under the new name); `authors` is
 *   fixed when the version is saved.
 */
export const VersionDetail = Type.Object({
  ...Version.properties,
  update: Type.String({ contentEncoding: 'base64' }),
  clients: Type.Record(Type.String({ pattern: '^[0-9]+$' }), VersionAuthor),
})
export type VersionDetail = Static<typeof VersionDetail>

/**
 * `200` from `POST /api/docs/:id/versions/:versionId/restore`. The live document (title included)
 * now holds the restored version's content, by one ordinary edit that everyone connected receives;
 * nothing was rewound, so edits made offline before the restore merge on top when their authors
 * reconnect. `before` is the `restore` version saved just before (restore it to undo), `restored`
 * the version that was restored.
 */
export const RestoredVersion = Type.Object({ before: Version, restored: Version })
export type RestoredVersion = Static<typeof RestoredVersion>

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
