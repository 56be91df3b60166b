/**
 * Wire message types. 0–3 are y-websocket's own (sync, awareness, auth, query-awareness);
 * numbers from 100 up are Tandem extensions that a client receives only after opting in.
 */
export const MessageType = {
  /** y-protocols sync: step 1, step 2 or update follows. */
  sync: 0,
  /** y-protocols awareness update. */
  awareness: 1,
  /** y-protocols auth; the server uses it to say "read-only" (permission denied for writes). */
  auth: 2,
  /** Ask the server to send everyone's awareness. */
  queryAwareness: 3,
  /**
   * Tandem "saved" acknowledgement: a varUint N meaning the first N sync messages this client sent
   * on this connection (no-ops included) are committed to durable storage.
   */
  saved: 100,
} as const
export type MessageType = (typeof MessageType)[keyof typeof MessageType]

/** y-protocols sync sub-types, repeated here so the web app and the server agree on names. */
export const SyncMessageType = {
  step1: 0,
  step2: 1,
  update: 2,
} as const
export type SyncMessageType = (typeof SyncMessageType)[keyof typeof SyncMessageType]

/**
 * URL query parameters a client may add to `/sync/:docId`. A stock y-websocket client sends none
 * and so never receives an extension message.
 */
export const SyncParam = {
  /** `ack=1` opts into {@link MessageType.saved} messages. */
  ack: 'ack',
  /**
   * A per-tab random secret (16–64 URL-safe characters). The awareness client ids a connection
   * introduces are bound to it, so the same tab can take them back on reconnect while its old
   * socket is still half-open; without it ownership is first come, released when the socket goes.
   */
  tab: 'tab',
} as const

/** The reason string the server puts in an auth permission-denied message for view-only links. */
export const READ_ONLY_REASON = 'read-only'

/** Permission-denied reason when the document reached its size limit; it stays readable. */
export const DOCUMENT_TOO_LARGE_REASON = 'document-too-large'

/** Names of the shared types inside a document's Y.Doc. */
export const DocumentFields = {
  /** Y.XmlFragment holding the rich text (Tiptap Collaboration's default field). */
  content: 'default',
  /** Y.Text holding the document title. */
  title: 'title',
} as const
