import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import {
  ApiErrorCode,
  CloseCode,
  CreateDocumentBody,
  CreatedDocument,
  DocumentInfo,
  DocumentParams,
  MAX_IMPORT_SOURCE_BYTES,
  Role,
  RotateLinkParams,
  RotatedLink,
  documentPath,
  generateDocumentId,
} from '@tandem/shared'
import type { AppContext } from '../context.js'
import type { Converter } from '../convert/Converter.js'
import type { ImportedDocument } from '../convert/importDocument.js'
import { errorResponses, optionalBody } from '../http/api.js'
import { throwConversionFailure } from '../http/conversionErrors.js'
import { ApiHttpError } from '../http/errors.js'
import { StoreErrorCode, isStoreError } from '../storage/errors.js'

/** Tries with fresh random ids when generated ones collide (128 bits each: practically never). */
const ID_ATTEMPTS = 3

/**
 * Document REST API; shapes and error codes are `@tandem/shared`'s api.ts. A link token (the `id`
 * in `/d/:id`) maps to an internal document and a role; the internal id never leaves the server,
 * so links can be rotated.
 */
export async function documentRoutes(scope: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>()
  const { store } = ctx

  app.post(
    '/api/docs',
    {
      schema: { body: CreateDocumentBody, response: { 201: CreatedDocument, ...errorResponses } },
      preValidation: optionalBody,
      // Room for an imported source of MAX_IMPORT_SOURCE_BYTES once escaped as a JSON string.
      bodyLimit: IMPORT_BODY_LIMIT_BYTES,
    },
    async (req, reply) => {
      // Converted before anything is created: what cannot be imported creates nothing.
      const initial = await convertBody(req.body, ctx.converter, ctx.config.maxDocumentBytes)
      for (let attempt = 1; ; attempt++) {
        const docId = generateDocumentId()
        const editToken = generateDocumentId()
        const viewToken = generateDocumentId()
        try {
          await store.createDocument(docId, [
            { token: editToken, role: Role.edit },
            { token: viewToken, role: Role.view },
          ])
        } catch (err) {
          if (isStoreError(err, StoreErrorCode.exists) && attempt < ID_ATTEMPTS) continue
          throw err
        }
        if (initial) {
          // The content is the document's first stored update, written before its links leave
          // this handler: nobody can have joined yet, so it is applied exactly once.
          try {
            await store.append(docId, initial.update)
          } catch (err) {
            await store.delete(docId).catch((cleanupErr: unknown) => {
              req.log.error({ err: cleanupErr }, 'removing a half-imported document failed')
            })
            throw err
          }
          req.log.info({ bytes: initial.update.byteLength }, 'document imported')
          // Findable at once; a failure here only delays that until the document is next edited.
          await ctx.indexer.indexState(docId, initial.update).catch((err: unknown) => {
            req.log.warn({ err }, 'indexing an imported document failed')
          })
        }
        return reply.code(201).send({
          id: editToken,
          url: documentPath(editToken),
          viewId: viewToken,
          viewUrl: documentPath(viewToken),
        })
      }
    },
  )

  app.get(
    '/api/docs/:id',
    { schema: { params: DocumentParams, response: { 200: DocumentInfo, ...errorResponses } } },
    async (req) => {
      const { id } = req.params
      const grant = await store.resolveLink(id)
      const meta = grant && (await store.getMeta(grant.docId))
      if (!grant || !meta) throw noDocument()
      // An edit link reveals the view link; a view link reveals nothing more.
      const links: DocumentInfo['links'] = {}
      if (grant.role === Role.edit) {
        const all = await store.linksOf(grant.docId).catch(noDocumentIfNotFound)
        for (const link of all) links[link.role] ??= link.token
      } else {
        links.view = id
      }
      return {
        id,
        role: grant.role,
        links,
        sizeBytes: meta.sizeBytes,
        createdAt: new Date(meta.createdAt).toISOString(),
        updatedAt: new Date(meta.updatedAt).toISOString(),
      }
    },
  )

  app.post(
    '/api/docs/:id/links/:role/rotate',
    { schema: { params: RotateLinkParams, response: { 200: RotatedLink, ...errorResponses } } },
    async (req) => {
      const { id, role } = req.params
      const grant = await store.resolveLink(id)
      if (!grant) throw noDocument()
      if (grant.role !== Role.edit) {
        throw new ApiHttpError(ApiErrorCode.forbidden, 'Only an edit link can rotate links')
      }
      for (let attempt = 1; ; attempt++) {
        const token = generateDocumentId()
        let revoked: string[]
        try {
          revoked = await store.rotateLink(grant.docId, role, token)
        } catch (err) {
          if (isStoreError(err, StoreErrorCode.exists) && attempt < ID_ATTEMPTS) continue
          noDocumentIfNotFound(err)
        }
        // The old link stops working now, for open connections too.
        const closed = ctx.rooms.closeLinks(grant.docId, revoked, CloseCode.forbidden)
        req.log.info({ role, closed }, 'link rotated')
        return { role, id: token, url: documentPath(token) }
      }
    },
  )
}

/**
 * Largest `POST /api/docs` body, in bytes: an import source of MAX_IMPORT_SOURCE_BYTES, escaped
 * as JSON (quotes, backslashes and line breaks double), with room to spare. The source's own size
 * is checked after parsing, so this only bounds what is read.
 */
const IMPORT_BODY_LIMIT_BYTES = 3 * MAX_IMPORT_SOURCE_BYTES

/**
 * The first state of a document created with content (see `CreateDocumentBody`), or undefined for
 * an empty one. Throws the API's 400 or 413 for content that cannot be imported.
 */
async function convertBody(
  body: CreateDocumentBody,
  converter: Converter,
  maxDocumentBytes: number,
): Promise<ImportedDocument | undefined> {
  const { title, markdown, html } = body
  if (markdown !== undefined && html !== undefined) {
    throw new ApiHttpError(ApiErrorCode.badRequest, 'Send either markdown or html, not both')
  }
  const source = markdown !== undefined ? { markdown } : html !== undefined ? { html } : undefined
  if (!source && title === undefined) return undefined
  if (Buffer.byteLength(markdown ?? html ?? '', 'utf8') > MAX_IMPORT_SOURCE_BYTES) {
    throw new ApiHttpError(
      ApiErrorCode.tooLarge,
      `The content is larger than ${MAX_IMPORT_SOURCE_BYTES / (1024 * 1024)} MiB`,
    )
  }
  const imported = await converter
    .importDocument(source ?? { markdown: '' }, title)
    .catch(throwConversionFailure(ApiErrorCode.tooLarge))
  if (imported.update.byteLength > maxDocumentBytes) {
    throw new ApiHttpError(
      ApiErrorCode.tooLarge,
      "The content would make a document larger than this server's document size limit",
    )
  }
  return imported
}

/** The one answer for an unknown, deleted or rotated link: which of those is not said. */
function noDocument(): ApiHttpError {
  return new ApiHttpError(ApiErrorCode.notFound, 'No such document')
}

/** Rethrows a store error, its `not-found` (the document was deleted meanwhile) as the API's 404. */
function noDocumentIfNotFound(err: unknown): never {
  throw isStoreError(err, StoreErrorCode.notFound) ? noDocument() : err
}
