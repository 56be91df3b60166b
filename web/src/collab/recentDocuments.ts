import { isValidDocumentId } from '@tandem/shared'

/** One document this browser has opened. */
export interface RecentDocument {
  id: string
  /** Last known title; empty when the document has none yet. */
  title: string
  /** When it was last opened here, in milliseconds since the epoch. */
  lastOpenedMs: number
  /** The link's role when last checked (`edit` or `view`), so it opens right offline too. */
  role?: string
  /**
   * This device has changes to it that the server had not confirmed when it last could not tell
   * (offline, page hidden or closed, link cut off): its local copy must not be thrown away unasked.
   */
  unsaved?: boolean
  /**
   * The link no longer works (`reset`: someone replaced it; `gone`: reset or deleted). Such an
   * entry stays listed only while this device keeps its copy with unsaved changes.
   */
  dead?: DeadLinkReason
}

/** Why a link stopped working: `reset` (closed with 4403 after a reset) or `gone` (no such link). */
export type DeadLinkReason = 'reset' | 'gone'

const STORAGE_KEY = 'tandem.recentDocuments'
/** How many documents the home list remembers; the oldest fall off. */
const MAX_RECENT = 50

type Listener = () => void
const listeners = new Set<Listener>()
let cache: readonly RecentDocument[] | undefined

function read(): readonly RecentDocument[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]')
    if (!Array.isArray(parsed)) return []
    return parsed
      .filter(
        (d): d is RecentDocument =>
          typeof d === 'object' &&
          d !== null &&
          isValidDocumentId((d as RecentDocument).id) &&
          typeof (d as RecentDocument).title === 'string' &&
          typeof (d as RecentDocument).lastOpenedMs === 'number',
      )
      .map(normalize)
  } catch {
    return []
  }
}

/** The optional markers in their expected forms (the list is stored where anything may edit it). */
function normalize(entry: RecentDocument): RecentDocument {
  const { unsaved, dead, ...rest } = entry
  const reason: DeadLinkReason | undefined =
    dead === undefined ? undefined : dead === 'reset' ? 'reset' : 'gone'
  return {
    ...rest,
    ...(unsaved === true || reason ? { unsaved: true } : {}),
    ...(reason ? { dead: reason } : {}),
  }
}

function write(next: readonly RecentDocument[]): void {
  cache = next
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(next))
  } catch {
    // Storage full or disabled: the list lasts for this page only.
  }
  for (const listener of listeners) listener()
}

/** Recently opened documents, most recent first; the same array until something changes. */
export function getRecentDocuments(): readonly RecentDocument[] {
  cache ??= read()
  return cache
}

/** The entry of document `id` if this browser has opened it before (a local copy may exist). */
export function findRecentDocument(id: string): RecentDocument | undefined {
  return getRecentDocuments().find((d) => d.id === id)
}

/** Records that document `id` was opened now, moving it to the top of the list. */
export function markOpened(id: string): void {
  const existing = findRecentDocument(id)
  const entry: RecentDocument = {
    ...existing,
    id,
    title: existing?.title ?? '',
    lastOpenedMs: Date.now(),
  }
  write([entry, ...getRecentDocuments().filter((d) => d.id !== id)].slice(0, MAX_RECENT))
}

/** Remembers the role the server gave link `id`, if it is in the list. */
export function updateRole(id: string, role: string): void {
  const list = getRecentDocuments()
  if (!list.some((d) => d.id === id && d.role !== role)) return
  write(list.map((d) => (d.id === id ? { ...d, role } : d)))
}

/** Remembers the latest title of document `id`, if it is in the list. */
export function updateTitle(id: string, title: string): void {
  const list = getRecentDocuments()
  if (!list.some((d) => d.id === id && d.title !== title)) return
  write(list.map((d) => (d.id === id ? { ...d, title } : d)))
}

/**
 * Link `oldId` was replaced by `newId` (this tab rotated it): the entry keeps its title, role and
 * place in the list under the new link. Does nothing if `oldId` is not listed.
 */
export function replaceDocumentId(oldId: string, newId: string): void {
  const list = getRecentDocuments()
  if (!list.some((d) => d.id === oldId)) return
  write(list.filter((d) => d.id !== newId).map((d) => (d.id === oldId ? { ...d, id: newId } : d)))
}

/** Records whether document `id` has unconfirmed changes on this device, if it is listed. */
export function setUnsaved(id: string, unsaved: boolean): void {
  const list = getRecentDocuments()
  if (!list.some((d) => d.id === id && (d.unsaved === true) !== unsaved)) return
  write(list.map((d) => (d.id === id ? withUnsaved(d, unsaved) : d)))
}

function withUnsaved(entry: RecentDocument, unsaved: boolean): RecentDocument {
  if (unsaved) return { ...entry, unsaved: true }
  const { unsaved: _dropped, ...rest } = entry
  return rest
}

/**
 * Link `id` stopped working for `reason` but its local copy holds unsaved changes: the entry
 * stays, marked, so the copy can still be opened (and copied or deleted) from the list.
 */
export function markDead(id: string, reason: DeadLinkReason): void {
  const list = getRecentDocuments()
  if (!list.some((d) => d.id === id && (d.dead !== reason || !d.unsaved))) return
  write(list.map((d) => (d.id === id ? { ...d, dead: reason, unsaved: true } : d)))
}

/** Removes document `id` from this browser's list (the document itself is untouched). */
export function forgetDocument(id: string): void {
  write(getRecentDocuments().filter((d) => d.id !== id))
}

/** Calls `listener` after every change (this tab or another); returns an unsubscribe. */
export function subscribeRecentDocuments(listener: Listener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

window.addEventListener('storage', (event) => {
  if (event.key !== STORAGE_KEY) return
  cache = read()
  for (const listener of listeners) listener()
})
