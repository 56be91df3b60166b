/** Replaces link tokens in a path with `:id`: links are secrets and must not reach logs. */
export function redactPath(url: string): string {
  return url.replace(/^\/(sync|d|api\/docs)\/[^/?#]+/, '/$1/:id').replace(/\?.*$/, '')
}
