import { documentPath } from '@tandem/shared'

/**
 * The search parameter of a document's address that carries words to find once it opens
 * (`/d/abc?find=harbour`): the page selects the first matching word, then drops the parameter.
 */
export const FIND_PARAM = 'find'

/** The app path that opens document link `id` at the first word matching `query`. */
export function findPath(id: string, query: string): string {
  return `${documentPath(id)}?${new URLSearchParams({ [FIND_PARAM]: query }).toString()}`
}
