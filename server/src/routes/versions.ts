import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import {
  ApiErrorCode,
  CreateVersionBody,
  DocumentParams,
  RestoredVersion,
  Role,
  Version,
  VersionDetail,
  VersionList,
  VersionParams,
  versionName,
} from '@tandem/shared'
import type { AppContext } from '../context.js'
import { errorResponses } from '../http/api.js'
import { ApiHttpError } from '../http/errors.js'
import { DocumentTooLargeError } from '../rooms/CommitPipeline.js'
import { clientsOf } from '../rooms/versions/summary.js'
import type { VersionMeta } from '../storage/DocumentStore.js'
import { StoreErrorCode, isStoreError } from '../storage/errors.js'

/**
 * Version history REST API (shapes in `@tandem/shared`'s api.ts), for edit links only. Saving and
 * restoring run on the document's room (loaded for the call if nobody has it open), so a named
 * version is the state everyone sees and a restore is an edit like any other; listing and reading
 * go to the store.
 */
export async function versionRoutes(scope: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>()
  const { store, rooms } = ctx

  /** The document behind edit link `id`; 404 for an unknown link, 403 for a view link. */
  async function editable(id: string): Promise<string> {
    const grant = await store.resolveLink(id)
    if (!grant) throw noDocument()
    if (grant.role !== Role.edit) {
      throw new ApiHttpError(ApiErrorCode.forbidden, 'Only an edit link can use version history')
    }
    return grant.docId
  }

  app.get(
    '/api/docs/:id/versions',
    { schema: { params: DocumentParams, response: { 200: VersionList, ...errorResponses } } },
    async (req) => {
      const docId = await editable(req.params.id)
      const versions = await store.listVersions(docId)
      return { versions: versions.map(toApi) }
    },
  )

  app.post(
    '/api/docs/:id/versions',
    {
      schema: {
        params: DocumentParams,
        body: CreateVersionBody,
        response: { 201: Version, ...errorResponses },
      },
    },
    async (req, reply) => {
      const docId = await editable(req.params.id)
      const name = versionName(req.body.name)
      if (name === undefined) {
        throw new ApiHttpError(
          ApiErrorCode.badRequest,
          'A version name is 1 to 100 characters after trimming',
        )
      }
      const saved = await rooms
        .use(docId, (room) => room.versions.saveNamed(name))
        .catch(noDocumentIfNotFound)
      return reply.code(201).send(toApi(saved))
    },
  )

  app.get(
    '/api/docs/:id/versions/:versionId',
    { schema: { params: VersionParams, response: { 200: VersionDetail, ...errorResponses } } },
    async (req) => {
      const docId = await editable(req.params.id)
      const version = await store.getVersion(docId, req.params.versionId)
      if (!version) throw noVersion()
      const recorded = await store.authorsOf(docId)
      return {
        ...toApi(version),
        update: Buffer.from(version.data).toString('base64'),
        clients: clientsOf(version.summary, recorded),
      }
    },
  )

  app.post(
    '/api/docs/:id/versions/:versionId/restore',
    { schema: { params: VersionParams, response: { 200: RestoredVersion, ...errorResponses } } },
    async (req) => {
      const docId = await editable(req.params.id)
      const result = await rooms
        .use(docId, (room) => room.versions.restore(req.params.versionId))
        .catch((err: unknown) => {
          if (err instanceof DocumentTooLargeError) {
            throw new ApiHttpError(
              ApiErrorCode.tooLarge,
              'Restoring this version would make the document larger than its size limit',
            )
          }
          return noDocumentIfNotFound(err)
        })
      if (!result) throw noVersion()
      req.log.info({ kind: 'restore' }, 'version restored')
      return { before: toApi(result.before), restored: toApi(result.restored) }
    },
  )
}

/** A version as the API shows it. */
function toApi(version: VersionMeta): Version {
  return {
    id: version.id,
    name: version.name,
    kind: version.kind,
    createdAt: new Date(version.createdAt).toISOString(),
    authors: version.authors.map(({ name, color }) => ({ name, color })),
  }
}

function noDocument(): ApiHttpError {
  return new ApiHttpError(ApiErrorCode.notFound, 'No such document')
}

function noVersion(): ApiHttpError {
  return new ApiHttpError(ApiErrorCode.notFound, 'No such version')
}

/** Rethrows, a store's `not-found` (the document was deleted meanwhile) as the API's 404. */
function noDocumentIfNotFound(err: unknown): never {
  throw isStoreError(err, StoreErrorCode.notFound) ? noDocument() : err
}
