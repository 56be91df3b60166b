import { documentPath, isValidDocumentId, type Role } from '@tandem/shared'

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

/** A link that replaced an old one: the new token and its app path. */
export interface RotatedLink {
  role: Role
  id: string
  url: string
}

/**
 * Replaces the `role` link of the document that edit link `id` opens with a new one; the old link
 * stops working at once, for open connections too. Throws an Error whose message can be shown.
 */
export async function rotateLink(id: string, role: Role): Promise<RotatedLink> {
  let response: Response
  try {
    response = await fetch(
      `/api/docs/${encodeURIComponent(id)}/links/${encodeURIComponent(role)}/rotate`,
      { method: 'POST', headers: { accept: 'application/json' } },
    )
  } catch {
    throw new Error(
      navigator.onLine
        ? 'Could not reach the server. Try again in a moment.'
        : 'You are offline. Connect to the internet to reset a link.',
    )
  }
  if (!response.ok) {
    const known: Record<number, string> = {
      403: 'Only someone with the edit link can reset links.',
      404: 'This document no longer exists, or this link was replaced.',
      429: 'Too many requests. Try again in a minute.',
    }
    const body = (await response.json().catch(() => ({}))) as { message?: string }
    throw new Error(
      known[response.status] ??
        body.message ??
        `The server could not reset the link (${response.status}).`,
    )
  }
  const body = (await response.json()) as { id: string; url?: string }
  return { role, id: body.id, url: body.url ?? documentPath(body.id) }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
