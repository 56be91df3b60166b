import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import {
  MAX_SEARCH_RESULTS,
  Role,
  SearchBody,
  SearchResults,
  makeSnippet,
  searchTerms,
  type SearchResult,
} from '@tandem/shared'
import type { AppContext } from '../context.js'
import { errorResponses } from '../http/api.js'
import type { LinkGrant } from '../storage/DocumentStore.js'

/**
 * `POST /api/search`: full-text search over the documents behind the links sent, and nothing
 * else. The internal document id never leaves: each result names the link it was found through.
 */
export async function searchRoutes(scope: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>()
  const { store } = ctx

  app.post(
    '/api/search',
    { schema: { body: SearchBody, response: { 200: SearchResults, ...errorResponses } } },
    async (req) => {
      const terms = searchTerms(req.body.q)
      if (terms.length === 0 || req.body.links.length === 0) return { results: [] }
      const tokenOf = linkPerDocument(req.body.links, await store.resolveLinks(req.body.links))
      const hits = await store.search([...tokenOf.keys()], terms, MAX_SEARCH_RESULTS)
      const results: SearchResult[] = []
      for (const hit of hits) {
        const id = tokenOf.get(hit.docId)
        if (id === undefined) continue
        const snippet = makeSnippet(hit.body, terms)
        results.push({
          id,
          title: hit.title,
          snippet: snippet.text,
          matches: snippet.matches,
          updatedAt: new Date(hit.updatedAt).toISOString(),
        })
      }
      return { results }
    },
  )
}

/**
 * For each document the links open, the link a result names: the first sent that can edit, else
 * the first sent.
 */
function linkPerDocument(
  sent: readonly string[],
  grants: readonly LinkGrant[],
): Map<string, string> {
  const byToken = new Map(grants.map((grant) => [grant.token, grant]))
  const chosen = new Map<string, LinkGrant>()
  for (const token of sent) {
    const grant = byToken.get(token)
    if (!grant) continue
    const current = chosen.get(grant.docId)
    if (!current || (current.role !== Role.edit && grant.role === Role.edit)) {
      chosen.set(grant.docId, grant)
    }
  }
  return new Map([...chosen].map(([docId, grant]) => [docId, grant.token]))
}
