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
}

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
    return parsed.filter(
      (d): d is RecentDocument =>
        typeof d === 'object' &&
        d !== null &&
        isValidDocumentId((d as RecentDocument).id) &&
        typeof (d as RecentDocument).title === 'string' &&
        typeof (d as RecentDocument).lastOpenedMs === 'number',
    )
  } catch {
    return []
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
