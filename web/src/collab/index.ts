// The collab feature's public entry: what pages and other features may use.
export {
  ApiRequestError,
  createDocument,
  getVersion,
  listVersions,
  lookUpDocument,
  nameVersion,
  NetworkError,
  restoreVersion,
  rotateLink,
  searchDocuments,
} from './api'
export type {
  DocumentInfo,
  DocumentLookup,
  RestoredVersion,
  RotatedLink,
  SearchBody,
  SearchResult,
  Version,
  VersionAuthor,
  VersionDetail,
  VersionKind,
} from './api'
export type { CollabSession, DocumentLinks } from './CollabSession'
export { rotateOwnEditLink } from './linkRotation'
export { readLocalCopy, writeLocalCopy } from './LocalCopy'
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
