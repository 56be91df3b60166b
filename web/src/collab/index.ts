// The collab feature's public entry: what pages and other features may use.
export { createDocument, lookUpDocument, rotateLink } from './api'
export type { DocumentInfo, DocumentLookup, RotatedLink } from './api'
export type { CollabSession, DocumentLinks } from './CollabSession'
export { rotateOwnEditLink } from './linkRotation'
export {
  findRecentDocument,
  forgetDocument,
  getRecentDocuments,
  markOpened,
  subscribeRecentDocuments,
  updateRole,
  updateTitle,
} from './recentDocuments'
export type { DeadLinkReason, RecentDocument } from './recentDocuments'
export type { ConnectionState, DeadLink, SaveState, SessionStatus } from './sessionStatus'
export { useCollabSession, useSessionStatus } from './useCollabSession'
