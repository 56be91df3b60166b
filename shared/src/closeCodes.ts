/**
 * WebSocket close codes the server uses. Stock y-websocket clients stop reconnecting only on
 * 4400–4499, so permanent refusals live there; everything else is retryable.
 */
export const CloseCode = {
  /** The server is shutting down or restarting; reconnect shortly. */
  restarting: 1012,
  /** The server is overloaded (too many rooms or connections); reconnect later. */
  overloaded: 1013,

  /** The document id or link token is malformed. */
  badDocumentId: 4400,
  /** The link does not allow this (e.g. a rotated or revoked link). */
  forbidden: 4403,
  /** The document does not exist. */
  unknownDocument: 4404,
  /** A message or the document would exceed the size limit. */
  tooLarge: 4413,
  /** A text frame or an unsupported encoding (only binary frames, Yjs update format V1). */
  unsupportedData: 4415,
  /** A message could not be decoded (unknown type, truncated, invalid Yjs update). */
  malformedMessage: 4422,

  /** Committing to storage failed; nothing unacknowledged was kept: reconnect and resend. */
  storageFailure: 4500,
  /** Loading the document from storage failed; reconnect later. */
  loadFailure: 4503,
  /** The connection did not answer pings in time. */
  heartbeatTimeout: 4504,
  /** The client read too slowly and its unsent buffer grew past the limit; reconnect and resync. */
  slowConsumer: 4508,
  /** Too many messages, bytes or connections from this client; reconnect after a pause. */
  rateLimited: 4529,
} as const
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]

/** Human-readable reasons, sent as the close reason and shown by the web app. */
export const closeReasons: Record<CloseCode, string> = {
  [CloseCode.restarting]: 'Server restarting',
  [CloseCode.overloaded]: 'Server busy, try again shortly',
  [CloseCode.badDocumentId]: 'This link is not a valid document link',
  [CloseCode.forbidden]: 'This link no longer gives access to the document',
  [CloseCode.unknownDocument]: 'This document does not exist',
  [CloseCode.tooLarge]: 'The change or document is too large',
  [CloseCode.unsupportedData]: 'Unsupported message format',
  [CloseCode.malformedMessage]: 'Malformed message',
  [CloseCode.storageFailure]: 'Saving failed on the server, retrying',
  [CloseCode.loadFailure]: 'Loading the document failed, retrying',
  [CloseCode.heartbeatTimeout]: 'Connection timed out',
  [CloseCode.slowConsumer]: 'Connection too slow, resyncing',
  [CloseCode.rateLimited]: 'Too many messages, slowing down',
}

/** True for codes after which a client should give up and tell the user (4400–4499). */
export function isPermanentClose(code: number): boolean {
  return code >= 4400 && code <= 4499
}
