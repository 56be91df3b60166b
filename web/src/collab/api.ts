import { documentPath, isValidDocumentId } from '@tandem/shared'

/** What the server says about a document (GET /api/docs/:id). */
export interface DocumentInfo {
  /** The link token that was looked up. */
  id: string
  /** What this link allows: `edit` or `view`. */
  role: string
  /** Link tokens this link may see: an edit link sees both, a view link only itself. */
  links?: { edit?: string; view?: string }
  sizeBytes: number
  updatedAt?: string
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
  if (response.status === 404) return { kind: 'not-found' }
  if (response.status === 400) return { kind: 'invalid' }
  if (!response.ok) return { kind: 'unreachable', message: `Server answered ${response.status}` }
  try {
    return { kind: 'found', info: (await response.json()) as DocumentInfo }
  } catch (error) {
    return { kind: 'unreachable', message: errorMessage(error) }
  }
}

/** Creates an empty document on the server and returns its id and app path. */
export async function createDocument(): Promise<{ id: string; url: string }> {
  let response: Response
  try {
    response = await fetch('/api/docs', {
      method: 'POST',
      headers: { accept: 'application/json' },
    })
  } catch {
    throw new Error(
      navigator.onLine
        ? 'Could not reach the server. Try again in a moment.'
        : 'You are offline. Connect to the internet to create a document.',
    )
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { message?: string }
    throw new Error(body.message ?? `The server could not create a document (${response.status}).`)
  }
  const body = (await response.json()) as { id: string; url?: string }
  return { id: body.id, url: body.url ?? documentPath(body.id) }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
