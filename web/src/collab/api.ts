import {
  ApiErrorCode,
  isApiError,
  isValidDocumentId,
  MAX_IMPORT_SOURCE_BYTES,
  type ApiError,
  type CreateDocumentBody,
  type CreatedDocument,
  type DocumentInfo,
  type RestoredVersion,
  type Role,
  type RotatedLink,
  type SearchBody,
  type SearchResult,
  type SearchResults,
  type Version,
  type VersionDetail,
  type VersionList,
} from '@tandem/shared'

// The REST contract's shapes live in @tandem/shared (api.ts); these are the ones pages use.
export type {
  CreatedDocument,
  DocumentInfo,
  RestoredVersion,
  RotatedLink,
  SearchBody,
  SearchResult,
  Version,
  VersionAuthor,
  VersionDetail,
  VersionKind,
} from '@tandem/shared'

/**
 * A refused or failed API request: `message` can be shown to people; `status` is the HTTP status
 * and `code` the server's error code (undefined when the answer was not an API error, e.g. a
 * proxy's 502 page).
 */
export class ApiRequestError extends Error {
  override name = 'ApiRequestError'
  constructor(
    message: string,
    readonly status: number,
    readonly code: ApiErrorCode | undefined,
  ) {
    super(message)
  }
}

/** Outcome of looking a document up; `unreachable` covers offline, server down and 5xx. */
export type DocumentLookup =
  | { kind: 'found'; info: DocumentInfo }
  | { kind: 'not-found' }
  | { kind: 'invalid' }
  | { kind: 'unreachable'; message: string }

/** Asks the server whether document `id` exists; never throws. */
export async function lookUpDocument(id: string, signal?: AbortSignal): Promise<DocumentLookup> {
  if (!isValidDocumentId(id)) return { kind: 'invalid' }
  let response: Response
  try {
    response = await fetch(`/api/docs/${encodeURIComponent(id)}`, {
      headers: { accept: 'application/json' },
      signal: signal ?? null,
    })
  } catch (error) {
    return { kind: 'unreachable', message: errorMessage(error) }
  }
  if (!response.ok) {
    const error = await readError(response)
    if (error?.code === ApiErrorCode.notFound) return { kind: 'not-found' }
    if (error?.code === ApiErrorCode.malformedId) return { kind: 'invalid' }
    // Anything else (no-route from another server version, 5xx, a proxy's page) is not an answer.
    const message =
      error && error.code !== ApiErrorCode.internal
        ? error.message
        : `Server answered ${response.status}`
    return { kind: 'unreachable', message }
  }
  try {
    return { kind: 'found', info: (await response.json()) as DocumentInfo }
  } catch (error) {
    return { kind: 'unreachable', message: errorMessage(error) }
  }
}

/**
 * Creates a document on the server and returns its edit and view links with app paths: empty, or
 * with `body`'s title and Markdown or HTML content (converted once, on the server). Throws an
 * {@link ApiRequestError} whose message can be shown.
 */
export async function createDocument(body?: CreateDocumentBody): Promise<CreatedDocument> {
  const action = body ? 'import a document' : 'create a document'
  let response: Response
  try {
    response = await fetch('/api/docs', {
      method: 'POST',
      headers: body
        ? { accept: 'application/json', 'content-type': 'application/json' }
        : { accept: 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
  } catch {
    throw unreachable(action)
  }
  if (!response.ok) {
    throw await refusal(
      response,
      body
        ? {
            [ApiErrorCode.tooLarge]: `This file is too large to import (at most ${MAX_IMPORT_SOURCE_BYTES / (1024 * 1024)} MiB of text).`,
          }
        : {},
      body ? 'The server could not import this file' : 'The server could not create a document',
    )
  }
  return (await response.json()) as CreatedDocument
}

/**
 * Replaces the `role` link of the document that edit link `id` opens with a new one; the old link
 * stops working at once, for open connections too. Throws an {@link ApiRequestError} whose
 * message can be shown.
 */
export async function rotateLink(id: string, role: Role): Promise<RotatedLink> {
  let response: Response
  try {
    response = await fetch(
      `/api/docs/${encodeURIComponent(id)}/links/${encodeURIComponent(role)}/rotate`,
      { method: 'POST', headers: { accept: 'application/json' } },
    )
  } catch {
    throw unreachable('reset a link')
  }
  if (!response.ok) {
    throw await refusal(
      response,
      {
        [ApiErrorCode.forbidden]: 'Only someone with the edit link can reset links.',
        [ApiErrorCode.notFound]: 'This document no longer exists, or this link was replaced.',
      },
      'The server could not reset the link',
    )
  }
  return (await response.json()) as RotatedLink
}

/**
 * A search request that never reached the server (offline, DNS, connection refused): the fetch
 * itself failed, so no answer, not even an error, came back.
 */
export class NetworkError extends Error {
  override name = 'NetworkError'
}

/**
 * Searches the documents behind `body.links` for `body.q` (`POST /api/search`), best match first.
 * Rejects with {@link NetworkError} when the request could not be sent (search this device's
 * copies instead), with the fetch's own AbortError when `signal` aborts it, and with an
 * {@link ApiRequestError} whose message can be shown when the server refuses (429, 400, 5xx).
 */
export async function searchDocuments(
  body: SearchBody,
  signal?: AbortSignal,
): Promise<SearchResult[]> {
  let response: Response
  try {
    response = await fetch('/api/search', {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: signal ?? null,
    })
  } catch (error) {
    if (signal?.aborted) throw error
    throw new NetworkError(errorMessage(error))
  }
  if (!response.ok) {
    throw await refusal(
      response,
      { [ApiErrorCode.rateLimited]: 'Too many searches. Try again in a moment.' },
      'The server could not search',
    )
  }
  const answer = (await response.json()) as Partial<SearchResults>
  if (!Array.isArray(answer.results)) {
    throw new ApiRequestError('The search results came back garbled.', 200, undefined)
  }
  return answer.results
}

// ---------------------------------------------------------------------------------------------
// Version history

const historyExplanations: Explanations = {
  [ApiErrorCode.forbidden]: 'Only people with the edit link can see and change the history.',
  [ApiErrorCode.notFound]: 'This version no longer exists, or the link was replaced.',
}

function versionsPath(id: string, ...rest: string[]): string {
  return ['/api/docs', id, 'versions', ...rest]
    .map((part, i) => (i ? encodeURIComponent(part) : part))
    .join('/')
}

/**
 * Sends a history request and returns its JSON body; throws an {@link ApiRequestError} whose
 * message can be shown (an abort rejects with the fetch's own AbortError).
 */
async function historyRequest<T>(path: string, action: string, init: RequestInit = {}): Promise<T> {
  let response: Response
  try {
    response = await fetch(path, {
      ...init,
      headers: {
        accept: 'application/json',
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
    })
  } catch (error) {
    if (init.signal?.aborted) throw error
    throw unreachable(action)
  }
  if (!response.ok) {
    throw await refusal(response, historyExplanations, `The server could not ${action}`)
  }
  return (await response.json()) as T
}

/** The saved versions of the document that edit link `id` opens, newest first. */
export async function listVersions(id: string, signal?: AbortSignal): Promise<Version[]> {
  const body = await historyRequest<VersionList>(versionsPath(id), 'load the history', {
    signal: signal ?? null,
  })
  if (!Array.isArray(body.versions))
    throw new ApiRequestError('The history came back garbled.', 200, undefined)
  return body.versions
}

/** One version of document `id` with its whole content. */
export function getVersion(
  id: string,
  versionId: string,
  signal?: AbortSignal,
): Promise<VersionDetail> {
  return historyRequest<VersionDetail>(versionsPath(id, versionId), 'load this version', {
    signal: signal ?? null,
  })
}

/** Saves the document's current state as a version named `name` (1–100 characters, trimmed). */
export function nameVersion(id: string, name: string): Promise<Version> {
  return historyRequest<Version>(versionsPath(id), 'name this version', {
    method: 'POST',
    body: JSON.stringify({ name }),
  })
}

/**
 * Turns document `id` back into version `versionId` for everyone, as a new edit; the state just
 * before is saved first as a `restore` version.
 */
export function restoreVersion(id: string, versionId: string): Promise<RestoredVersion> {
  return historyRequest<RestoredVersion>(
    versionsPath(id, versionId, 'restore'),
    'restore this version',
    {
      method: 'POST',
    },
  )
}

/** Messages for people, by error code, where the server's own would not help them. */
type Explanations = Partial<Record<ApiErrorCode, string>>

const commonExplanations: Explanations = {
  [ApiErrorCode.rateLimited]: 'Too many requests. Try again in a minute.',
  [ApiErrorCode.unavailable]: 'The server is busy or restarting. Try again in a moment.',
}

/** The error to throw for a non-2xx `response`, its message chosen by the error's code. */
async function refusal(
  response: Response,
  explanations: Explanations,
  fallback: string,
): Promise<ApiRequestError> {
  const error = await readError(response)
  const explained = error && (explanations[error.code] ?? commonExplanations[error.code])
  // A 500's message says nothing by design; the fallback at least names the status.
  const serverSays = error && error.code !== ApiErrorCode.internal ? error.message : undefined
  const message = explained ?? serverSays ?? `${fallback} (${response.status}).`
  return new ApiRequestError(message, response.status, error?.code)
}

/** The API error in a response's body, or undefined if it holds none (a proxy's page, say). */
async function readError(response: Response): Promise<ApiError | undefined> {
  const body: unknown = await response.json().catch(() => undefined)
  return isApiError(body) ? body : undefined
}

function unreachable(action: string): ApiRequestError {
  return new ApiRequestError(
    navigator.onLine
      ? 'Could not reach the server. Try again in a moment.'
      : `You are offline. Connect to the internet to ${action}.`,
    0,
    undefined,
  )
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
