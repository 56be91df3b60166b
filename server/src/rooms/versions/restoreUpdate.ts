import * as Y from 'yjs'
import { visibleContent } from './visibleContent.js'

/** Origin of the scratch transaction whose changes a restore undoes. */
const SINCE_VERSION = Symbol('tandem.since-version')

/** A restore as one update, and the Yjs client id its re-created content is written with. */
export interface RestoreEdit {
  update: Uint8Array
  clientId: number
}

/**
 * The one update that turns `doc` back into the content of `version` (a full-state V1 update of
 * an earlier state of the same document), or undefined if it already shows that content.
 *
 * It is a forward edit, computed item by item as Yjs's UndoManager undoes a change: a scratch
 * document holds the version, the changes made since (everything `doc` has that the version
 * lacks, deletions included) are applied to it as one tracked transaction, and that transaction is
 * undone. Undoing deletes what was inserted since and re-creates, as new items beside the old
 * ones, what was deleted since; content both share is left alone, so edits made meanwhile (an
 * offline client's, another instance's) that are anchored in it still land where their authors
 * put them. Every root type is restored (the rich text, the title, anything else).
 */
export function restoreEdit(doc: Y.Doc, version: Uint8Array): RestoreEdit | undefined {
  const scratch = new Y.Doc({ gc: false })
  try {
    Y.applyUpdate(scratch, version)
    // Already showing that content (restored twice, or by two people at once): nothing to do.
    // Undoing would otherwise replace every item a restore re-created with yet another copy.
    if (visibleContent(scratch) === visibleContent(doc)) return undefined
    const versionClock = Y.encodeStateVector(scratch)
    // The scratch document now becomes `doc`, in one transaction the undo manager records.
    const undo = new Y.UndoManager(scratch, { trackedOrigins: new Set([SINCE_VERSION]) })
    Y.applyUpdate(scratch, Y.encodeStateAsUpdate(doc, versionClock), SINCE_VERSION)
    const current = Y.encodeStateVector(doc)
    let update: Uint8Array | undefined
    const capture = (u: Uint8Array) => (update = u)
    scratch.on('update', capture)
    undo.undo()
    scratch.off('update', capture)
    undo.destroy()
    if (!update) return undefined
    // The undo's own update assumes the receiver has everything the scratch document had. If
    // `doc` lacks some of the version (records of it were quarantined), send that too.
    if (!covers(Y.decodeStateVector(current), Y.decodeStateVector(versionClock))) {
      update = Y.encodeStateAsUpdate(scratch, current)
    }
    return { update, clientId: scratch.clientID }
  } finally {
    scratch.destroy()
  }
}

/** True if state vector `a` covers `b`: every client's clock in `a` is at least its clock in `b`. */
function covers(a: Map<number, number>, b: Map<number, number>): boolean {
  for (const [client, clock] of b) if ((a.get(client) ?? 0) < clock) return false
  return true
}
