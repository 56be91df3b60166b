import {
  ApiErrorCode,
  isApiError,
  isValidDocumentId,
  type ApiError,
  type CreatedDocument,
  type DocumentInfo,
  type Role,
  type RotatedLink,
} from '@tandem/shared'

// The REST contract's shapes live in @tandem/shared (api.ts); these are the ones pages use.
export type { CreatedDocument, DocumentInfo, RotatedLink } from '@tandem/shared'

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
 * Creates an empty document on the server and returns its edit and view links with app paths.
 * Throws an {@link ApiRequestError} whose message can be shown.
 */
export async function createDocument(): Promise<CreatedDocument> {
  let response: Response
  try {
    response = await fetch('/api/docs', {
      method: 'POST',
      headers: { accept: 'application/json' },
    })
  } catch {
    throw unreachable('create a document')
  }
  if (!response.ok) {
    throw await refusal(response, {}, `The server could not create a document`)
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
