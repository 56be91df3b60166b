import * as Y from 'yjs'
import { Role, VersionKind, displayUser } from '@tandem/shared'
import type { FastifyBaseLogger } from 'fastify'
import type {
  DocumentStore,
  StoredAuthor,
  StoredVersion,
  VersionMeta,
} from '../../storage/DocumentStore.js'
import type { Session } from '../Session.js'
import type { UpdateShape } from '../updateValidation.js'
import { AuthorLedger, RESTORED_AUTHOR, type PresenceLookup } from './AuthorLedger.js'
import { restoreEdit } from './restoreUpdate.js'
import { versionsToThin } from './retention.js'
import type { VersionSettings } from './settings.js'
import { clientsBetween, distinctAuthors, sameState, stateSummary } from './summary.js'

/** What the keeper needs from its room. */
export interface VersionHost {
  readonly docId: string
  /** The room's committed document. */
  readonly doc: Y.Doc
  /** Commits an update the server made, like a client's write; resolves once it is applied. */
  commitOwn(update: Uint8Array): Promise<void>
}

/** The state of the document at one moment, taken synchronously, to be saved as a version. */
interface Capture {
  kind: VersionKind
  name: string | null
  createdAt: number
  data: Uint8Array
  summary: Uint8Array
  deleters: StoredAuthor[]
}

/** The versions a restore saved and used. */
export interface RestoreResult {
  before: VersionMeta
  restored: VersionMeta
}

/**
 * One room's version history: saves automatic versions (when the log is compacted, when the room
 * unloads after edits, at least every `intervalMs` of editing), named ones and the state before a
 * restore; restores as one forward edit; thins automatic versions after saving one (at most once
 * per interval); and keeps the author ledger. Saves and restores run one at a time per room, in order, so a second restore
 * computes from the result of the first. An automatic version identical to the newest version
 * stored (same summary: see summary.ts) is not saved.
 */
export class VersionKeeper {
  readonly #authors: AuthorLedger
  #queue: Promise<unknown> = Promise.resolve()
  /** Edits were applied here since the last version this room captured. */
  #dirty = false
  #writes = 0
  #dueAt: number
  /** When this room last thinned (-Infinity: not yet). */
  #thinnedAt = -Infinity
  /** An automatic version is due and will be taken once the current relays are out. */
  #due = false
  /** The room unloaded: nothing more is saved. */
  #closed = false

  constructor(
    private readonly host: VersionHost,
    private readonly store: DocumentStore,
    private readonly log: FastifyBaseLogger,
    private readonly settings: VersionSettings,
    presence: PresenceLookup,
  ) {
    this.#authors = new AuthorLedger(host.docId, store, log, presence)
    this.#dueAt = settings.now() + settings.intervalMs
  }

  /** A write of `session` was committed and applied (the commit pipeline calls this). */
  written(session: Session, _update: Uint8Array, shape: UpdateShape): void {
    this.#authors.wrote(session, shape)
    this.#dirty = true
    const every = this.settings.everyUpdates
    const due = (every > 0 && ++this.#writes >= every) || this.settings.now() >= this.#dueAt
    if (!due || this.#due) return
    // Encoding the document waits for the next turn: this write's relays leave first.
    this.#due = true
    setImmediate(() => {
      this.#due = false
      this.#autoSave()
    })
  }

  /** `session`'s presence changed (a rename): the ids it owns are recorded under the new name. */
  presenceChanged(session: Session): void {
    this.#authors.presenceChanged(session)
  }

  /**
   * The compactor encoded the whole document as `snapshot` (called in the same turn, so the
   * document is still that state): saved as an automatic version. Resolves when it is stored or
   * skipped; never rejects.
   */
  compacted(snapshot: Uint8Array): Promise<void> {
    return this.#enqueue(this.#capture(VersionKind.auto, null, snapshot)).then(
      () => undefined,
      () => undefined,
    )
  }

  /**
   * The room unloads: saves what was edited since the last version (unless `save` is false, for a
   * document that is no longer trusted), then waits for every save and author record.
   */
  async close(save: boolean): Promise<void> {
    if (save && this.#dirty) this.#autoSave()
    this.#closed = true
    await this.#queue.catch(() => {})
    await this.#authors.flush()
  }

  /** Saves the current state as a version named `name` (already checked). */
  saveNamed(name: string): Promise<VersionMeta> {
    return this.#run(async () => {
      const meta = await this.#save(this.#capture(VersionKind.named, name))
      return meta as VersionMeta
    })
  }

  /**
   * Restores version `versionId` (see restoreUpdate.ts): saves the state just before as a
   * `restore` version, then commits the restoring edit through the room's pipeline. Undefined if
   * the document has no such version.
   */
  restore(versionId: string): Promise<RestoreResult | undefined> {
    return this.#run(async () => {
      const target = await this.store.getVersion(this.host.docId, versionId)
      if (!target) return undefined
      // Taken together, with nothing in between: `before` is exactly what the edit starts from.
      const before = this.#capture(VersionKind.restore, null)
      const edit = restoreEdit(this.host.doc, target.data)
      const saved = (await this.#save(before)) as VersionMeta
      // Restoring is an edit: the next version names it among its authors, deletions included.
      this.#authors.deleted(RESTORED_AUTHOR)
      if (edit) {
        this.#authors.record(edit.clientId, RESTORED_AUTHOR, Role.edit)
        await this.#authors.flush()
        await this.host.commitOwn(edit.update)
      }
      this.#dirty = true
      return { before: saved, restored: metaOf(target) }
    })
  }

  #autoSave(): void {
    if (this.#closed) return
    this.#enqueue(this.#capture(VersionKind.auto, null)).catch(() => {})
  }

  /** The document now, synchronously; resets what the next automatic version waits for. */
  #capture(kind: VersionKind, name: string | null, state?: Uint8Array): Capture {
    const { doc } = this.host
    this.#dirty = false
    this.#writes = 0
    const createdAt = this.settings.now()
    this.#dueAt = createdAt + this.settings.intervalMs
    return {
      kind,
      name,
      createdAt,
      data: state ?? Y.encodeStateAsUpdate(doc),
      summary: stateSummary(doc),
      deleters: this.#authors.takeDeleters(),
    }
  }

  #enqueue(capture: Capture): Promise<VersionMeta | undefined> {
    return this.#run(() => this.#save(capture))
  }

  /** Runs `work` after everything queued before it. */
  #run<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work)
    this.#queue = run.catch(() => {})
    return run
  }

  /**
   * Stores `capture` with the people who changed the document since the newest stored version;
   * an automatic one identical to it is skipped (undefined). Thins after an automatic save.
   */
  async #save(capture: Capture): Promise<VersionMeta | undefined> {
    const docId = this.host.docId
    try {
      await this.#authors.flush()
      const previous = await this.store.latestVersion(docId)
      if (capture.kind === VersionKind.auto && previous) {
        if (sameState(previous.summary, capture.summary)) return undefined
      }
      const meta = await this.store.saveVersion(docId, {
        kind: capture.kind,
        name: capture.name,
        createdAt: capture.createdAt,
        authors: await this.#authorsSince(previous, capture),
        summary: capture.summary,
        data: capture.data,
      })
      // At most once per interval: listing every version on each save would grow with history.
      const now = this.settings.now()
      if (capture.kind === VersionKind.auto && now - this.#thinnedAt >= this.settings.intervalMs) {
        this.#thinnedAt = now
        await this.#thin()
      }
      return meta
    } catch (err) {
      this.#dirty = true
      this.#authors.giveBack(capture.deleters)
      this.log.warn({ err, docId, kind: capture.kind }, 'saving a version failed')
      throw err
    }
  }

  /** Whoever wrote content between the two states (by client id), and whoever deleted. */
  async #authorsSince(previous: StoredVersion | undefined, capture: Capture) {
    const wrote = clientsBetween(previous?.summary, capture.summary)
    const recorded = wrote.length > 0 ? await this.store.authorsOf(this.host.docId) : []
    const byId = new Map(recorded.map((a) => [a.clientId, a]))
    const writers = wrote.map((id) => byId.get(id) ?? displayUser(undefined, id))
    return distinctAuthors([...writers, ...capture.deleters])
  }

  async #thin(): Promise<void> {
    const docId = this.host.docId
    const versions = await this.store.listVersions(docId)
    const thinned = versionsToThin(versions, this.settings.now(), this.settings.retention)
    if (thinned.length > 0) await this.store.deleteVersions(docId, thinned)
  }
}

function metaOf(version: StoredVersion): VersionMeta {
  const { id, kind, name, createdAt, authors } = version
  return { id, kind, name, createdAt, authors }
}
