import { Role } from '@tandem/shared'
import { navigate } from '../navigation'
import { rotateLink } from './api'
import type { CollabSession, DocumentLinks } from './CollabSession'
import { replaceDocumentId } from './recentDocuments'
import { handOverSession } from './sessions'

/**
 * Replaces the edit link this tab is using and keeps the tab working: the server closes every
 * connection of the old link (this tab's too, which is expected here, not an error), and the tab
 * moves to the new link with a new session that holds everything the old one had, including
 * edits the server has not acknowledged. `links` are the links the tab knows. Throws an Error
 * with a message to show if the server did not rotate the link; the tab then stays as it was.
 */
export async function rotateOwnEditLink(
  session: CollabSession,
  links: DocumentLinks,
): Promise<void> {
  const rotationFailed = session.expectLinkRotation()
  let rotated: Awaited<ReturnType<typeof rotateLink>>
  try {
    rotated = await rotateLink(session.id, Role.edit)
  } catch (error) {
    rotationFailed()
    throw error
  }
  handOverSession(session, rotated.id, { ...links, edit: rotated.id })
  replaceDocumentId(session.id, rotated.id)
  navigate(rotated.url, { replace: true, keepScroll: true })
}
