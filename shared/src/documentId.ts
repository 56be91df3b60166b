/** Bytes of randomness in a generated id or link token (128 bits). */
export const DOCUMENT_ID_RANDOM_BYTES = 16

/**
 * Accepted id and link-token format: URL-safe base64 alphabet, 3–64 characters. Generated ids are
 * 22 characters; shorter ones exist only when an operator lets integrations pick their own ids.
 */
export const DOCUMENT_ID_PATTERN = /^[A-Za-z0-9_-]{3,64}$/

interface RandomSource {
  getRandomValues<T extends Uint8Array>(array: T): T
}

/** Returns true if `value` is a well-formed document id or link token. */
export function isValidDocumentId(value: unknown): value is string {
  return typeof value === 'string' && DOCUMENT_ID_PATTERN.test(value)
}

/** Returns a new unguessable 22-character URL-safe id with 128 bits of randomness. */
export function generateDocumentId(): string {
  const random = (globalThis as unknown as { crypto: RandomSource }).crypto
  const bytes = random.getRandomValues(new Uint8Array(DOCUMENT_ID_RANDOM_BYTES))
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  let out = ''
  let bits = 0
  let acc = 0
  for (const byte of bytes) {
    acc = (acc << 8) | byte
    bits += 8
    while (bits >= 6) {
      bits -= 6
      out += alphabet[(acc >> bits) & 63]
    }
  }
  if (bits > 0) out += alphabet[(acc << (6 - bits)) & 63]
  return out
}

/** The browser path of a document link. */
export function documentPath(id: string): string {
  return `/d/${id}`
}
