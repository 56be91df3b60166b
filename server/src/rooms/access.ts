import { CloseCode, isValidDocumentId } from '@tandem/shared'
import type { FastifyBaseLogger } from 'fastify'
import type { DocumentStore, LinkGrant } from '../storage/DocumentStore.js'
import { isStoreError } from '../storage/errors.js'

/** The decision on a connection: a grant, or a close code to refuse it with after the upgrade. */
export type Access = { grant: LinkGrant } | { refuse: CloseCode }

/** What deciding access needs. */
export interface AccessContext {
  store: DocumentStore
  log: FastifyBaseLogger
  /** False while shutting down (refused with 1012). */
  accepting: boolean
  /** Connecting to a well-formed unknown id creates that document. */
  allowCreateOnConnect: boolean
  /**
   * What the link granted to a connection that is open now, if anything: used only while the
   * store cannot be reached, so people can still open documents this instance has loaded.
   */
  grantInUse?(token: string): LinkGrant | undefined
}

/** Decides what link `token` grants: a role on a document, or the close code to refuse with. */
export async function decideAccess(ctx: AccessContext, token: string): Promise<Access> {
  if (!isValidDocumentId(token)) return { refuse: CloseCode.badDocumentId }
  if (!ctx.accepting) return { refuse: CloseCode.restarting }
  try {
    const grant = await ctx.store.resolveLink(token)
    if (grant) return { grant }
    if (!ctx.allowCreateOnConnect) return { refuse: CloseCode.unknownDocument }
    try {
      await ctx.store.createDocument(token, [{ token, role: 'edit' }])
    } catch (err) {
      // Another connection created it at the same moment: the lookup below finds it.
      if (!isStoreError(err, 'exists')) throw err
    }
    const created = await ctx.store.resolveLink(token)
    return created ? { grant: created } : { refuse: CloseCode.loadFailure }
  } catch (err) {
    const inUse = ctx.grantInUse?.(token)
    if (inUse) return { grant: inUse }
    ctx.log.error({ err }, 'resolving a link failed')
    return { refuse: CloseCode.loadFailure }
  }
}
