import {
  closeReasons,
  DOCUMENT_TOO_LARGE_REASON,
  DocumentFields,
  isPermanentClose,
  READ_ONLY_REASON,
  Role,
  CloseCode,
} from '@tandem/shared'
import { removeAwarenessStates, type Awareness } from 'y-protocols/awareness'
import type { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { lookUpDocument } from './api'
import { handleServerMessages } from './serverMessages'
import { LocalCopy } from './LocalCopy'
import { PageLifecycle } from './PageLifecycle'
import { forgetDocument, markDead, type DeadLinkReason } from './recentDocuments'
import { ReconnectScheduler } from '@tandem/shared'
import { SaveTracker } from './SaveTracker'
import { createSyncProvider } from './syncProvider'
import {
  computeSessionStatus,
  sameSessionStatus,
  type DeadLink,
  type SessionStatus,
} from './sessionStatus'

/** The document's links by role (link tokens, not URLs); a view link knows only its own. */
export interface DocumentLinks {
  edit?: string
  view?: string
}

/** What a session opened for a tab's own rotated edit link carries over from the old one. */
export interface Handover {
  /** The old document's full state (`Y.encodeStateAsUpdate`), unacknowledged edits included. */
  state: Uint8Array
  /** The links as this tab knew them, the new edit link included. */
  links: DocumentLinks
}

/**
 * Close code used when the provider itself drops a silent socket (no message for 30 s): the
 * standard "abnormal closure", retryable like a network failure.
 */
const SILENT_SOCKET_CODE = 1006

/**
 * One open document: its Y.Doc, the WebSocket provider, the IndexedDB copy and the status the UI
 * shows. Lives outside React render; create through `acquireSession` and let the registry
 * destroy it.
 */
export class CollabSession {
  readonly doc = new Y.Doc()
  /** Set when this tab moved here from its rotated edit link: the links it knew then. */
  readonly handoverLinks: DocumentLinks | undefined
  readonly provider: WebsocketProvider
  private readonly local: LocalCopy
  private readonly tracker: SaveTracker
  private readonly listeners = new Set<() => void>()
  private status: SessionStatus
  /** The browser's network and page events (offline, page hidden or left). */
  private readonly page: PageLifecycle
  /** A connection attempt failed since the last successful sync: the server is unreachable. */
  private failedSinceSync = false
  private readOnly = false
  private full = false
  /** The server refused some local changes: they exist here but will never be saved. */
  private refused = false
  private stopped: SessionStatus['stopped']
  /**
   * This tab is rotating its own link: `expected` until the server answers, `closed` once the
   * server has closed the old link's socket (4403) as part of it, which is then no error.
   */
  private rotation: 'none' | 'expected' | 'closed' = 'none'
  /** The link itself no longer works (reset or gone), and what became of this device's copy. */
  private deadLink: DeadLink | undefined
  private destroyed = false
  private readonly reconnect: ReconnectScheduler
  private readonly cleanups: Array<() => void> = []

  /**
   * Opens document link `id`. With `handover` (this tab rotated its own edit link and moves to
   * the new one), the old document's state is in the new one before anything connects, so the
   * first sync sends the server whatever it has not acknowledged yet.
   */
  constructor(
    readonly id: string,
    handover?: Handover,
  ) {
    this.handoverLinks = handover?.links
    this.tracker = new SaveTracker(() => this.refresh())
    this.reconnect = new ReconnectScheduler(() => {
      if (!this.page.offline && !this.stopped) this.provider.connect()
    })
    this.local = new LocalCopy(id, this.doc)
    this.local.persistence.on('synced', () => this.refresh())

    this.provider = createSyncProvider(id, this.doc, {
      socketOpened: () => this.tracker.socketOpened(),
      syncSent: (syncType) => this.tracker.syncSent(syncType),
    })
    handleServerMessages(this.provider, {
      saved: (count) => this.tracker.acknowledged(count),
      denied: (reason) => this.denied(reason),
    })
    this.page = new PageLifecycle({
      provider: this.provider,
      reconnect: this.reconnect,
      mayReconnect: () => !this.stopped && this.rotation !== 'closed',
      changed: () => this.refresh(),
      visibilityChanged: () => this.recordUnsaved(),
    })
    this.cleanups.push(() => this.page.dispose())
    this.status = this.computeStatus()

    const provider = this.provider
    const onStatus = (): void => this.refresh()
    const onSync = (synced: boolean): void => {
      if (synced) {
        this.failedSinceSync = false
        this.reconnect.synced()
      }
      this.refresh()
    }
    const onConnectionClose = (event: CloseEvent | null): void => {
      this.tracker.socketClosed()
      // Our own disconnect() (offline, retry, destroy) clears shouldConnect before closing.
      if (event !== null || provider.shouldConnect) {
        // Reconnecting is ours, not y-websocket's (its backoff has no jitter): it only reopens
        // while shouldConnect is set, and every close passes through here first.
        provider.shouldConnect = false
        this.failedSinceSync = true
        this.closedBy(event?.code ?? SILENT_SOCKET_CODE, event?.reason ?? '')
      }
      this.refresh()
    }
    provider.on('status', onStatus)
    provider.on('sync', onSync)
    provider.on('connection-close', onConnectionClose)

    // Local changes (typing, undo, the IndexedDB copy) that no open socket carried are unsent.
    // Checked after the provider's own update handler, with the same condition it sends on.
    const onUpdate = (_update: Uint8Array, origin: unknown): void => {
      if (origin === provider) return
      this.local.noteUpdate(origin)
      const ws = provider.ws
      this.tracker.localChange(provider.wsconnected && ws !== null && ws.readyState === ws.OPEN)
    }
    this.doc.on('update', onUpdate)
    this.cleanups.push(() => this.doc.off('update', onUpdate))
    // After onUpdate: the tracker counts the carried-over state as unsent until a step 2 is acked.
    if (handover) Y.applyUpdate(this.doc, handover.state)

    if (!this.page.offline) provider.connect()
  }

  /** The document's rich text (Tiptap's Collaboration field). */
  get content(): Y.XmlFragment {
    return this.doc.getXmlFragment(DocumentFields.content)
  }

  /** The document's title. */
  get title(): Y.Text {
    return this.doc.getText(DocumentFields.title)
  }

  get awareness(): Awareness {
    return this.provider.awareness
  }

  /** The current status; the same object until something changes. */
  getStatus = (): SessionStatus => this.status

  /** Calls `listener` after each status change; returns an unsubscribe. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Applies the role the server gave this link (from the document API). */
  setRole(role: string): void {
    const readOnly = role === Role.view
    if (readOnly === this.readOnly) return
    this.readOnly = readOnly
    this.refresh()
  }

  /** Tries again right away after a permanent refusal or while waiting out a backoff. */
  retry(): void {
    this.stopped = undefined
    this.reconnect.cancel()
    this.provider.disconnect()
    if (!this.page.offline) this.provider.connect()
    this.refresh()
  }

  /**
   * Call just before this tab rotates the link it is connected through: the server closes the
   * old link's sockets (this one too) with 4403 before it answers, and that close must not show
   * as "this link no longer gives access". Call the returned function if the rotation failed:
   * a 4403 that arrived meanwhile is then reported after all. After a successful rotation the
   * session stays quiet until it is released (see `handOverSession`).
   */
  expectLinkRotation(): () => void {
    this.rotation = 'expected'
    return () => {
      const closed = this.rotation === 'closed'
      this.rotation = 'none'
      if (closed) this.closedBy(CloseCode.forbidden, '')
      this.refresh()
    }
  }

  /**
   * The link no longer works for `reason` (the server said so): stops for good, and then this
   * device forgets the link (recent list, local copy) unless the copy may hold changes the server
   * never confirmed; those stay, listed as dead, until the person deletes them
   * ({@link deleteLocalCopy}) after copying what they need. A view link never holds any. Called
   * again, it changes nothing.
   */
  linkGone(reason: DeadLinkReason): void {
    if (this.destroyed || (this.deadLink && this.deadLink.localCopy !== 'checking')) return
    this.reconnect.cancel()
    if (!this.stopped) {
      const code = reason === 'reset' ? CloseCode.forbidden : CloseCode.unknownDocument
      this.stopped = { code, reason: closeReasons[code] }
      this.provider.disconnect()
    }
    if (!this.readOnly && this.local.holdsUnsaved(this.tracker.allSaved)) {
      markDead(this.id, reason)
      this.deadLink = { reason, localCopy: 'kept', unsaved: true }
    } else {
      forgetDocument(this.id)
      this.deadLink = { reason, localCopy: 'deleted', unsaved: false }
      void this.local.delete()
    }
    this.refresh()
  }

  /**
   * Deletes this device's copy of the document (the text stays in this page until it closes),
   * and the recent list's entry when the link no longer works. For a link this tab replaced, and
   * for a dead link's copy once its person has what they need from it.
   */
  deleteLocalCopy(): Promise<void> {
    if (this.deadLink) {
      forgetDocument(this.id)
      this.deadLink = { ...this.deadLink, localCopy: 'deleted' }
      this.refresh()
    }
    return this.local.delete()
  }

  /** Disconnects, tells the others this person left and releases the IndexedDB handle. */
  destroy(): void {
    // Unconfirmed edits made here stay marked: the copy is then kept if the link dies unseen.
    this.recordUnsaved(true)
    this.destroyed = true
    this.reconnect.cancel()
    for (const cleanup of this.cleanups.splice(0)) cleanup()
    removeAwarenessStates(this.awareness, [this.doc.clientID], 'session closed')
    this.provider.destroy()
    this.local.close()
    this.doc.destroy()
    this.listeners.clear()
  }

  /** The server or the network ended the connection with `code`: stop, or retry later. */
  private closedBy(code: number, reason: string): void {
    if (!isPermanentClose(code)) {
      // Offline: the browser's online event reconnects instead.
      if (!this.page.offline) this.reconnect.closed(code)
      return
    }
    this.reconnect.cancel()
    if (code === CloseCode.forbidden && this.rotation !== 'none') {
      this.rotation = 'closed'
      return
    }
    const known = closeReasons[code as CloseCode] as string | undefined
    this.stopped = { code, reason: known ?? (reason || 'Connection refused') }
    if (code === CloseCode.unknownDocument) this.linkGone('gone')
    else if (code === CloseCode.forbidden) this.confirmReset()
  }

  /**
   * A 4403 means a reset link, but a refused origin gets it too: only the server saying the link
   * no longer exists makes it dead (and lets this device forget it). Until then nothing is
   * decided; any other answer leaves the plain refusal.
   */
  private confirmReset(): void {
    if (this.deadLink) return
    this.deadLink = { reason: 'reset', localCopy: 'checking', unsaved: false }
    void lookUpDocument(this.id).then((result) => {
      if (this.destroyed || this.deadLink?.localCopy !== 'checking') return
      if (result.kind === 'not-found') return this.linkGone('reset')
      this.deadLink = undefined
      this.refresh()
    })
  }

  /** The server denied something for `reason`: a view link's write, a full document, access. */
  private denied(reason: string): void {
    if (reason === READ_ONLY_REASON) {
      this.readOnly = true
      this.refused = true
    } else if (reason === DOCUMENT_TOO_LARGE_REASON) {
      this.full = true
      this.refused = true
    } else {
      this.stopped = { code: 0, reason: reason || 'Permission denied' }
      this.provider.disconnect()
    }
    this.refresh()
  }

  private computeStatus(): SessionStatus {
    return computeSessionStatus({
      stopped: this.stopped,
      rotationClosed: this.rotation === 'closed',
      browserOffline: this.page.offline,
      wsConnected: this.provider.wsconnected,
      synced: this.provider.synced,
      failedSinceSync: this.failedSinceSync,
      localLoaded: this.local.loaded,
      readOnly: this.readOnly,
      full: this.full,
      refused: this.refused,
      allSaved: this.tracker.allSaved,
      hasUnsent: this.tracker.hasUnsent,
      deadLink: this.deadLink,
    })
  }

  /** Keeps the recent list's `unsaved` marker current; `closing` when this session ends. */
  private recordUnsaved(closing = false): void {
    if (this.destroyed || this.readOnly || this.local.deleted) return
    this.local.record({
      allSaved: this.tracker.allSaved,
      online: this.status.connection === 'online',
      unattended: closing || this.page.hidden,
    })
  }

  private refresh(): void {
    const next = this.computeStatus()
    if (sameSessionStatus(this.status, next)) return
    this.status = next
    this.recordUnsaved()
    for (const listener of this.listeners) listener()
  }
}
