import { getVersion, type VersionAuthor } from '../collab'
import { decodeVersion, type DecodedVersion } from './updates'

/** A version fetched and decoded, ready to render. */
export interface LoadedVersion extends DecodedVersion {
  id: string
}

/** Versions kept decoded; stepping back and forth through the timeline hits these. */
const MAX_CACHED = 40

/**
 * The versions of one document fetched so far, decoded once and kept (the least recently used
 * dropped past {@link MAX_CACHED}), and every author they name by Yjs client id. A fetch that
 * fails is forgotten, so the next load tries again. Versions never change, so nothing expires.
 */
export class VersionCache {
  private readonly versions = new Map<string, Promise<LoadedVersion>>()
  /** Raw author records by Yjs client id, from every version loaded; render via displayUser. */
  readonly authors = new Map<number, VersionAuthor>()

  constructor(private readonly docId: string) {}

  /** Version `versionId`, fetched once; rejects with an ApiRequestError or a decoding error. */
  load(versionId: string): Promise<LoadedVersion> {
    const cached = this.versions.get(versionId)
    if (cached) {
      // Most recently used last.
      this.versions.delete(versionId)
      this.versions.set(versionId, cached)
      return cached
    }
    const loading = getVersion(this.docId, versionId).then((content) => {
      this.noteAuthors(content.clients)
      return { id: versionId, ...decodeVersion(content.update) }
    })
    loading.catch(() => {
      if (this.versions.get(versionId) === loading) this.versions.delete(versionId)
    })
    this.versions.set(versionId, loading)
    for (const oldest of this.versions.keys()) {
      if (this.versions.size <= MAX_CACHED) break
      this.versions.delete(oldest)
    }
    return loading
  }

  /** Starts fetching `versionId` in the background (errors wait for a real load). */
  prefetch(versionId: string): void {
    this.load(versionId).catch(() => undefined)
  }

  private noteAuthors(clients: unknown): void {
    if (typeof clients !== 'object' || clients === null) return
    for (const [key, author] of Object.entries(clients as Record<string, VersionAuthor>)) {
      const clientId = Number(key)
      if (Number.isSafeInteger(clientId) && clientId >= 0) this.authors.set(clientId, author)
    }
  }
}
