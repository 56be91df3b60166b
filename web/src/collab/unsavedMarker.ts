/** What decides a link's `unsaved` marker in the recent list (see {@link unsavedMarker}). */
export interface UnsavedInputs {
  /** Changes were made in this page (typing, undo, a handover) since the server last had all. */
  editedHere: boolean
  /** The server has confirmed every change this page knows of. */
  allSaved: boolean
  /** Connected and synced: a confirmation can arrive. */
  online: boolean
  /** Nobody may see a confirmation arrive: the page is hidden or the session is closing. */
  unattended: boolean
}

/**
 * The `unsaved` marker a link should have now: `false` once the server has confirmed everything
 * on a live connection (the copy loaded from this device included), `true` while changes made
 * here are unconfirmed and no confirmation may follow (offline, cut off, hidden, closing), and
 * `undefined` to leave it as it is. Online typing in a visible page leaves it alone, so the list
 * is not rewritten on every keystroke; a copy merely loaded from this device never sets it.
 */
export function unsavedMarker(inputs: UnsavedInputs): boolean | undefined {
  if (inputs.allSaved && inputs.online) return false
  if (inputs.editedHere && !inputs.allSaved && (!inputs.online || inputs.unattended)) return true
  return undefined
}
