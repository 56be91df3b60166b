import { Role } from '@tandem/shared'
import { rotateLink, type RotatedLink } from './api'
import type { CollabSession, DocumentLinks } from './CollabSession'
import { replaceDocumentId } from './recentDocuments'
import { handOverSession } from './sessions'

/**
 * Replaces the edit link this tab is using and keeps the tab working: the server closes every
 * connection of the old link (this tab's too, which is expected here, not an error), and a new
 * session for the new link holds everything the old one had, including edits the server has not
 * acknowledged (this device's copy moves to the new link too). `links` are the links the tab
 * knows. Returns the new link, for the caller to move the tab to its path at once (the new
 * session waits for that page). Throws an Error with a message to show if the server did not
 * rotate the link; the tab then stays as it was.
 */
export async function rotateOwnEditLink(
  session: CollabSession,
  links: DocumentLinks,
): Promise<RotatedLink> {
  const rotationFailed = session.expectLinkRotation()
  let rotated: RotatedLink
  try {
    rotated = await rotateLink(session.id, Role.edit)
  } catch (error) {
    rotationFailed()
    throw error
  }
  handOverSession(session, rotated.id, { ...links, edit: rotated.id })
  replaceDocumentId(session.id, rotated.id)
  // The new link's copy holds everything now; the old link's would only linger on this device.
  void session.deleteLocalCopy()
  return rotated
}
