import { generateDocumentId } from '@tandem/shared'
import type { StoredAuthor } from './DocumentStore.js'

/**
 * What every store does the same way with versions: ids, and the authors column (JSON text; the
 * store does not look inside it).
 */

/** A new version id: 22 URL-safe characters, 128 random bits, so no store has to coordinate. */
export function newVersionId(): string {
  return generateDocumentId()
}

/** The authors of a version as stored: a JSON array of `{name, color}`. */
export function encodeAuthors(authors: readonly StoredAuthor[]): string {
  return JSON.stringify(authors.map(({ name, color }) => ({ name, color })))
}

/** The authors read back; anything that is not such an array reads as none (never throws). */
export function decodeAuthors(json: string): StoredAuthor[] {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return []
  }
  if (!Array.isArray(value)) return []
  return value.flatMap((entry: unknown) => {
    const { name, color } = (entry ?? {}) as Record<string, unknown>
    return typeof name === 'string' && typeof color === 'string' ? [{ name, color }] : []
  })
}
