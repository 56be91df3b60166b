import * as Y from 'yjs'
import type { FastifyBaseLogger } from 'fastify'
import { documentText, type DocumentText } from '@tandem/shared'
import type { TextIndexing } from '../rooms/hooks.js'
import { loadDocument } from '../rooms/loadDocument.js'
import type { DocumentStore, IndexEntry } from '../storage/DocumentStore.js'

/**
 * Most characters of a body the index holds (512 Ki, some 80,000 words): past it, a document's
 * text is not searched. PostgreSQL refuses a full-text vector over 1 MB, and nobody searches a
 * book by its 100,000th word.
 */
export const MAX_INDEXED_BODY_CHARS = 512 * 1024

/** Most characters of a title the index holds (titles are 200 in the editor; others may write more). */
const MAX_INDEXED_TITLE_CHARS = 1_000

/** Documents the backfill reads per batch, one at a time. */
const BACKFILL_BATCH = 20

/** Options for {@link SearchIndexer}. */
export interface SearchIndexerOptions {
  store: DocumentStore
  log: FastifyBaseLogger
  /** How long after a change a document is indexed at the latest, in milliseconds; 0 turns indexing off. */
  delayMs: number
}

/**
 * Keeps the store's search index up to date with the loaded documents. A change marks the room's
 * document; every `delayMs` the text of each marked document is read (one pass over its items)
 * and written for all of them in one store call. A document edited without pause is still
 * indexed every `delayMs`: nothing waits for a quiet moment. A write that fails is retried at the
 * next tick (unless newer text replaced it). At start, documents the index has never seen
 * (stored before it existed, or copied in) are read from the store and indexed in the background.
 */
export class SearchIndexer implements TextIndexing {
  readonly #dirty = new Map<string, Y.Doc>()
  /** Text read but not yet stored (written at the next tick, or retried after a failure). */
  readonly #pending = new Map<string, IndexEntry>()
  #timer: NodeJS.Timeout | undefined
  #writing: Promise<void> = Promise.resolve()
  #closed = false
  #backfill: Promise<void> = Promise.resolve()

  constructor(private readonly options: SearchIndexerOptions) {}

  get enabled(): boolean {
    return this.options.delayMs > 0
  }

  /** Starts the periodic writes and the backfill of documents never indexed. */
  start(): void {
    if (!this.enabled) return
    this.#backfill = this.#runBackfill()
  }

  changed(docId: string, doc: Y.Doc): void {
    if (!this.enabled || this.#closed) return
    this.#dirty.set(docId, doc)
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined
      void this.flush()
    }, this.options.delayMs)
    this.#timer.unref?.()
  }

  unloading(docId: string, doc: Y.Doc): void {
    if (this.#dirty.get(docId) !== doc) return
    this.#dirty.delete(docId)
    this.#pending.set(docId, entry(docId, documentText(doc)))
    void this.flush()
  }

  /** Indexes a document from its whole state (an import), now; resolves once stored. */
  async indexState(docId: string, state: Uint8Array): Promise<void> {
    if (!this.enabled) return
    const doc = new Y.Doc()
    try {
      Y.applyUpdate(doc, state)
      this.#pending.set(docId, entry(docId, documentText(doc)))
    } finally {
      doc.destroy()
    }
    await this.flush()
  }

  /**
   * Reads the text of every marked document and stores everything pending, one write at a time;
   * resolves when what was pending at the call is stored or has failed (and waits to be retried).
   */
  flush(): Promise<void> {
    for (const [docId, doc] of this.#dirty)
      this.#pending.set(docId, entry(docId, documentText(doc)))
    this.#dirty.clear()
    this.#writing = this.#writing.then(() => this.#write())
    return this.#writing
  }

  async #write(): Promise<void> {
    if (this.#pending.size === 0) return
    const entries = [...this.#pending.values()]
    this.#pending.clear()
    try {
      await this.options.store.indexText(entries)
    } catch (err) {
      this.options.log.warn({ err, documents: entries.length }, 'updating the search index failed')
      // Retried at the next tick, unless newer text of the same document arrived meanwhile.
      for (const e of entries) if (!this.#pending.has(e.docId)) this.#pending.set(e.docId, e)
      if (!this.#closed && !this.#timer) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined
          void this.flush()
        }, this.options.delayMs)
        this.#timer.unref?.()
      }
    }
  }

  async #runBackfill(): Promise<void> {
    let indexed = 0
    // A document listed again after it was indexed (a store that could not keep its text) is not
    // tried twice: the backfill ends instead of looping.
    const tried = new Set<string>()
    try {
      while (!this.#closed) {
        const ids = (await this.options.store.unindexed(BACKFILL_BATCH)).filter(
          (id) => !tried.has(id),
        )
        if (ids.length === 0) break
        for (const docId of ids) {
          if (this.#closed) break
          tried.add(docId)
          const text = await this.#readStored(docId)
          await this.options.store.indexText([entry(docId, text)])
          indexed++
        }
      }
    } catch (err) {
      this.options.log.warn(
        { err },
        'indexing stored documents for search failed; retried at next start',
      )
    }
    if (indexed > 0)
      this.options.log.info({ documents: indexed }, 'indexed stored documents for search')
  }

  /** A stored document's text; empty (so it is not tried again) if it cannot be loaded. */
  async #readStored(docId: string): Promise<DocumentText> {
    const doc = new Y.Doc()
    try {
      await loadDocument(this.options.store, docId, doc, this.options.log)
      return documentText(doc)
    } catch (err) {
      this.options.log.warn(
        { err, docId },
        'a stored document could not be read for the search index',
      )
      return { title: '', body: '' }
    } finally {
      doc.destroy()
    }
  }

  /** Stores what is pending and stops; later changes are ignored. */
  async close(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    await this.flush()
    this.#closed = true
    await this.#backfill
  }
}

function entry(docId: string, text: DocumentText): IndexEntry {
  return {
    docId,
    title: text.title.slice(0, MAX_INDEXED_TITLE_CHARS),
    body: text.body.slice(0, MAX_INDEXED_BODY_CHARS),
  }
}
