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

/** The object store in which y-indexeddb keeps a document's updates (its name is not exported). */
const UPDATES_STORE = 'updates'

/**
 * Reads this device's copy of the document behind link `id` into `doc`, read-only: unlike
 * opening it with `IndexeddbPersistence` (which writes the document's state back and creates the
 * database when there is none), nothing is written and no database is left behind. Resolves
 * false when there is no copy (never opened here, or deleted) or storage is disabled; the
 * database is closed before it resolves.
 */
export async function readLocalCopy(id: string, doc: Y.Doc): Promise<boolean> {
  const db = await openExisting(localCopyName(id))
  if (!db) return false
  try {
    if (!db.objectStoreNames.contains(UPDATES_STORE)) return false
    const updates = await new Promise<unknown[]>((resolve, reject) => {
      const request = db.transaction(UPDATES_STORE, 'readonly').objectStore(UPDATES_STORE).getAll()
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error ?? new Error('could not read the local copy'))
    })
    // The same updates y-indexeddb applies when it opens the copy (a compacted state, then those
    // stored after it; applying one twice changes nothing).
    Y.transact(doc, () => {
      for (const update of updates) {
        if (update instanceof Uint8Array) Y.applyUpdate(doc, update)
      }
    })
    return true
  } finally {
    db.close()
  }
}

/** Opens IndexedDB database `name` if it exists; undefined (and nothing created) otherwise. */
function openExisting(name: string): Promise<IDBDatabase | undefined> {
  return new Promise((resolve) => {
    let request: IDBOpenDBRequest
    try {
      request = indexedDB.open(name)
    } catch {
      resolve(undefined) // storage disabled
      return
    }
    // An upgrade on opening without a version means there was no such database: aborting it
    // leaves none behind, and the request then fails.
    request.onupgradeneeded = () => request.transaction?.abort()
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => resolve(undefined)
    request.onblocked = () => resolve(undefined)
  })
}
