import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import * as Y from 'yjs'
import {
  ApiErrorCode,
  DocumentParams,
  ExportQuery,
  ExportedFile,
  Role,
  exportContentType,
  exportFileName,
} from '@tandem/shared'
import type { AppContext } from '../context.js'
import { errorResponses } from '../http/api.js'
import { throwConversionFailure } from '../http/conversionErrors.js'
import { ApiHttpError } from '../http/errors.js'

/**
 * `GET /api/docs/:id/export?format=md|html|txt[&version=…]`: the document as a file to download,
 * converted on the server from its committed state with the editor's schema. Any link that opens
 * the document may export it; a saved version, only an edit link (history can hold text that was
 * removed on purpose).
 */
export async function exportRoutes(scope: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>()
  const { store, rooms } = ctx

  app.get(
    '/api/docs/:id/export',
    {
      schema: {
        params: DocumentParams,
        querystring: ExportQuery,
        response: { 200: ExportedFile, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { id } = req.params
      const { format, version } = req.query
      const grant = await store.resolveLink(id)
      if (!grant) throw new ApiHttpError(ApiErrorCode.notFound, 'No such document')
      let state: Uint8Array
      if (version !== undefined) {
        if (grant.role !== Role.edit) {
          throw new ApiHttpError(ApiErrorCode.forbidden, 'Only an edit link can export a version')
        }
        state = await versionState(ctx, grant.docId, version)
      } else {
        // The room's committed state: loaded for the conversion if nobody has it open.
        state = await rooms.use(grant.docId, (room) => Y.encodeStateAsUpdate(room.doc))
      }
      const { title, body } = await ctx.converter
        .exportDocument(state, format)
        .catch(throwConversionFailure(ApiErrorCode.unavailable))
      return reply
        .header('content-type', exportContentType[format])
        .header('content-disposition', attachment(exportFileName(title, format)))
        .header('cache-control', 'no-store')
        .send(body)
    },
  )
}

/** The whole state (a Yjs update) of saved version `versionId` of the document. */
async function versionState(
  ctx: AppContext,
  docId: string,
  versionId: string,
): Promise<Uint8Array> {
  const version = await ctx.store.getVersion(docId, versionId)
  if (!version) throw new ApiHttpError(ApiErrorCode.notFound, 'No such version')
  return version.data
}

/**
 * `Content-Disposition: attachment` for `fileName` (RFC 6266): an ASCII `filename` for old
 * clients (other characters become `_`, accents dropped first) and the exact name as UTF-8 in
 * `filename*` (RFC 8187), which every current browser prefers.
 */
export function attachment(fileName: string): string {
  const ascii = fileName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]|["\\%]/g, '_')
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}
