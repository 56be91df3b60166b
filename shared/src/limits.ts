/** Limits both sides agree on; the server's are configurable, these are the defaults. */
export const Limits = {
  /** Largest accepted WebSocket message, in bytes (>= maxDocumentBytes so offline edits fit). */
  maxMessageBytes: 16 * 1024 * 1024,
  /** Largest document, as the size of its encoded state, in bytes. */
  maxDocumentBytes: 16 * 1024 * 1024,
  /** Largest awareness state of one client (its JSON), in bytes; larger entries are dropped. */
  maxAwarenessStateBytes: 64 * 1024,
  /** Longest title, in characters. */
  maxTitleLength: 200,
  /** Interval between server pings, in milliseconds. */
  heartbeatIntervalMs: 30_000,
} as const
