import type { DeadLinkReason } from './recentDocuments'

/** What the connection badge shows. `stopped`: the server refused the document for good. */
export type ConnectionState = 'connecting' | 'online' | 'offline' | 'stopped'

/**
 * What the save indicator shows; `local` means kept on this device, not yet on the server;
 * `refused` means the server declined changes (view-only link, or the document is full).
 */
export type SaveState = 'saved' | 'saving' | 'local' | 'refused' | 'idle'

/** A link that stopped working for good, and what became of this device's copy of it. */
export interface DeadLink {
  /** `reset`: refused with 4403 and unknown to the server since; `gone`: 4404 or not found. */
  reason: DeadLinkReason
  /**
   * `checking`: a 4403 is being confirmed with the server, nothing decided yet; `kept`: the copy
   * holds changes the server never confirmed and stays until the person decides; `deleted`.
   */
  localCopy: 'checking' | 'kept' | 'deleted'
  /** Changes the server never confirmed are in this page (still on screen): offer to copy them. */
  unsaved: boolean
}

/** A snapshot of a session's state; a new object on every change (for useSyncExternalStore). */
export interface SessionStatus {
  connection: ConnectionState
  /** The provider finished its initial sync with the server on the current connection. */
  synced: boolean
  /** The local IndexedDB copy has been loaded into the document. */
  localLoaded: boolean
  save: SaveState
  /** This link may only view (the API's role, or the server refused a write as read-only). */
  readOnly: boolean
  /** The document reached the server's size limit: it stays readable but takes no more edits. */
  full: boolean
  /** Close code and reason in words when `connection` is `stopped`. */
  stopped?: { code: number; reason: string }
  /** Set when the link itself no longer works (reset or gone), beside `stopped`. */
  deadLink?: DeadLink
}

/** Everything a session's status is computed from, read at one moment. */
export interface StatusInputs {
  /** Set when the server refused the document for good (a permanent close or a denial). */
  stopped: SessionStatus['stopped']
  /** This tab replaced the link it was connected through and the server closed the old socket. */
  rotationClosed: boolean
  /** The browser says it is offline. */
  browserOffline: boolean
  /** The provider's socket is open. */
  wsConnected: boolean
  /** The provider finished its initial sync on the current socket. */
  synced: boolean
  /** A connection attempt failed since the last successful sync: the server is unreachable. */
  failedSinceSync: boolean
  localLoaded: boolean
  readOnly: boolean
  full: boolean
  /** The server refused some local changes: they exist here but will never be saved. */
  refused: boolean
  /** The server has committed every local change (the save tracker's `allSaved`). */
  allSaved: boolean
  /** Some local changes have not reached the server at all (the save tracker's `hasUnsent`). */
  hasUnsent: boolean
  /** The link no longer works; once its copy is deleted nothing is kept anywhere any more. */
  deadLink: DeadLink | undefined
}

/**
 * The status a session shows for `inputs`. Connection: a refusal wins, then a replaced link
 * (`connecting`: the new link's session takes over), the browser's offline flag, an open and
 * synced socket, a failed attempt since the last sync; otherwise still connecting. Save: refused
 * changes win (unless the dead link's copy is deleted: nothing is kept then); online it is saved or
 * saving; otherwise kept locally if anything is unsaved.
 */
export function computeSessionStatus(inputs: StatusInputs): SessionStatus {
  let connection: ConnectionState
  if (inputs.stopped) connection = 'stopped'
  else if (inputs.rotationClosed) connection = 'connecting'
  else if (inputs.browserOffline) connection = 'offline'
  else if (inputs.wsConnected && inputs.synced) connection = 'online'
  else if (inputs.failedSinceSync) connection = 'offline'
  else connection = 'connecting'

  let save: SaveState
  if (inputs.deadLink?.localCopy === 'deleted') save = 'idle'
  else if (inputs.refused) save = 'refused'
  else if (connection === 'online') save = inputs.allSaved ? 'saved' : 'saving'
  else if (inputs.hasUnsent || !inputs.allSaved) save = 'local'
  else save = 'idle'

  return {
    connection,
    synced: inputs.synced,
    localLoaded: inputs.localLoaded,
    save,
    readOnly: inputs.readOnly,
    full: inputs.full,
    ...(inputs.stopped ? { stopped: inputs.stopped } : {}),
    ...(inputs.deadLink ? { deadLink: inputs.deadLink } : {}),
  }
}

/** True when `a` and `b` show the same thing (`stopped` and `deadLink` compared by identity). */
export function sameSessionStatus(a: SessionStatus, b: SessionStatus): boolean {
  return (
    a.connection === b.connection &&
    a.synced === b.synced &&
    a.localLoaded === b.localLoaded &&
    a.save === b.save &&
    a.readOnly === b.readOnly &&
    a.full === b.full &&
    a.stopped === b.stopped &&
    a.deadLink === b.deadLink
  )
}
