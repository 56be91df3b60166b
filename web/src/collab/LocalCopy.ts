import { clearDocument, IndexeddbPersistence } from 'y-indexeddb'
import * as Y from 'yjs'
import { findRecentDocument, setUnsaved } from './recentDocuments'
import { unsavedMarker, type UnsavedInputs } from './unsavedMarker'

/** The IndexedDB database that holds link `id`'s copy on this device. */
export function localCopyName(id: string): string {
  return `tandem:${id}`
}

/**
 * This device's copy of the document behind link `id` (IndexedDB, through y-indexeddb), and the
 * recent list's record of whether it holds changes the server never confirmed, which is what
 * decides whether the copy may be deleted without asking once the link stops working.
 */
export class LocalCopy {
  readonly persistence: IndexeddbPersistence
  /** Changes were made in this page since the server last confirmed everything. */
  private editedHere = false
  private deletion: Promise<void> | undefined

  constructor(
    readonly id: string,
    doc: Y.Doc,
  ) {
    this.persistence = new IndexeddbPersistence(localCopyName(id), doc)
  }

  /** The copy has been read into the document. */
  get loaded(): boolean {
    return this.persistence.synced
  }

  /** True once {@link delete} was called. */
  get deleted(): boolean {
    return this.deletion !== undefined
  }

  /** A document update not from the server, with its origin: anything but the copy is an edit. */
  noteUpdate(origin: unknown): void {
    if (origin !== this.persistence) this.editedHere = true
  }

  /** Updates the recent list's `unsaved` marker for the session's state (see unsavedMarker). */
  record(state: Omit<UnsavedInputs, 'editedHere'>): void {
    const next = unsavedMarker({ ...state, editedHere: this.editedHere })
    if (next === false) this.editedHere = false
    if (next !== undefined) setUnsaved(this.id, next)
  }

  /** True when the copy may hold changes the server never confirmed (`allSaved`: the tracker's). */
  holdsUnsaved(allSaved: boolean): boolean {
    return (this.editedHere && !allSaved) || findRecentDocument(this.id)?.unsaved === true
  }

  /**
   * Deletes the copy from this device: first stops writing and closes the database (a write to a
   * database being deleted would throw), then deletes it. The document in memory is untouched.
   */
  delete(): Promise<void> {
    this.deletion ??= this.persistence
      .destroy()
      .then(() => clearDocument(this.persistence.name))
      // Storage disabled or failing: there is nothing more this page can do about the copy.
      .catch(() => undefined)
    return this.deletion
  }

  /** Stops writing and closes the database; the copy stays on this device. */
  close(): void {
    if (!this.deletion) void this.persistence.destroy()
  }
}

/**
 * Stores `state` (a Yjs update) as this device's copy of the document behind link `id`, before
 * any page opens it: the page that does opens with it and its first sync uploads it to the
 * server, as it would offline edits. Rejects when this device cannot store it (storage disabled).
 */
export async function writeLocalCopy(id: string, state: Uint8Array): Promise<void> {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, state)
  // y-indexeddb writes the document's whole state when it first opens the database.
  const persistence = new IndexeddbPersistence(localCopyName(id), doc)
  try {
    // Opening fails where storage is disabled; then it never syncs.
    await Promise.all([persistence._db, persistence.whenSynced])
  } finally {
    await persistence.destroy().catch(() => undefined)
    doc.destroy()
  }
}
