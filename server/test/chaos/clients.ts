/**
 * The chaos run's clients: stock y-websocket providers over real sockets. A web client wires
 * the provider as the web app's CollabSession does, with the app's own pure modules: SaveTracker
 * for "All changes saved", ReconnectScheduler (shared) for when to reconnect, handleServerMessages
 * for the saved-acks; left out is what needs a browser (IndexedDB, window events, the browser's
 * WebSocket, which countingSocket.ts replaces with `ws`). A stock client is the provider as
 * shipped, reconnecting by its own backoff; both count their sync messages per socket.
 */
import type WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import {
  generateDocumentId,
  isPermanentClose,
  ReconnectScheduler,
  SyncParam,
  type Timers,
} from '@tandem/shared'
import { SaveTracker } from '../../../web/src/collab/SaveTracker.js'
import { handleServerMessages } from '../../../web/src/collab/serverMessages.js'
import { countingSocketClass } from './countingSocket.js'
import { DocEditor, type Edit } from './edits.js'
import { EditAcks } from './EditAcks.js'
import type { Rng } from './Rng.js'

/** What both kinds of client offer the chaos run. */
export abstract class ChaosClient {
  readonly doc = new Y.Doc()
  readonly editor: DocEditor
  readonly edits: Edit[] = []
  readonly acks = new EditAcks()
  /** Close codes the server (or the network) ended this client's sockets with. */
  readonly closeCodes: number[] = []
  /** Messages a client should never get here (a permission denied). */
  readonly oddities: string[] = []
  abstract readonly provider: WebsocketProvider
  /** The harness took this client offline (it edits on, and reconnects only when told). */
  offline = false
  /** The tab was closed mid-run: the client is gone, with whatever it had not saved. */
  departed = false
  #closed = false
  protected socket: WebSocket | undefined

  constructor(
    readonly name: string,
    rng: Rng,
  ) {
    this.editor = new DocEditor(this.doc, name, rng)
  }

  /** Makes one random edit (recorded unless it changed nothing). */
  edit(): Edit | undefined {
    const sentBefore = this.acks.sent
    const socket = this.socket
    const edit = this.editor.edit(false)
    if (!edit) return undefined
    const carried = socket === this.socket && this.acks.sent > sentBefore
    edit.offline = !carried
    this.edits.push(edit)
    this.acks.edited(edit, carried)
    this.afterEdit()
    return edit
  }

  /** The connection is open and has synced with the server. */
  get synced(): boolean {
    return this.provider.wsconnected && this.provider.synced
  }

  /** Everything this client made is committed, by its own bookkeeping. */
  abstract get allSaved(): boolean

  /** Edits this client's bookkeeping reports as committed by the server. */
  savedEdits(): Edit[] {
    return this.edits.filter((e) => e.saved)
  }

  /** Goes offline: no socket until {@link goOnline}. */
  abstract goOffline(): void

  /** Back online: connects at once. */
  abstract goOnline(): void

  /** The network drops the connection (the socket dies without a close handshake). */
  drop(): boolean {
    const ws = this.provider.ws as unknown as WebSocket | null
    if (!ws) return false
    ws.terminate()
    return true
  }

  /** The tab is closed mid-run: disconnects and forgets the document (nothing kept locally). */
  depart(): void {
    this.departed = true
    this.close()
    this.doc.destroy()
  }

  /** Disconnects for good, keeping the document for the final checks; idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.beforeClose()
    this.provider.destroy()
  }

  protected beforeClose(): void {}

  protected afterEdit(): void {}

  /** One line on where this client stands, for failure messages. */
  describe(): string {
    return (
      `${this.name}: ${this.offline ? 'offline' : 'online'}, ` +
      `ws ${this.provider.wsconnected ? 'open' : this.provider.wsconnecting ? 'connecting' : 'closed'}, ` +
      `synced ${this.provider.synced}, saved ${this.allSaved}, unacked ${this.acks.pending}, ` +
      `closes [${this.closeCodes.join(',')}]`
    )
  }

  /** Wires the counting socket, the saved-ack handler and close-code recording. */
  protected makeProvider(
    ws: string,
    docId: string,
    params: Record<string, string>,
    onSocket: (socket: WebSocket) => void,
    onSyncSent: (syncType: number) => void,
    onSaved: (count: number, acked: Edit[]) => void,
  ): WebsocketProvider {
    const provider: WebsocketProvider = new WebsocketProvider(ws, docId, this.doc, {
      connect: false,
      disableBc: true,
      // Its own backoff (stock clients only; web clients use the scheduler): capped at 1 s, not
      // 2.5, so a seed's outages cost less waiting.
      maxBackoffTime: 1_000,
      params,
      WebSocketPolyfill: countingSocketClass(
        (socket) => {
          this.socket = socket
          this.acks.socketOpened(socket)
          onSocket(socket)
        },
        (socket, syncType) => {
          if (socket !== (provider.ws as unknown)) return
          this.acks.syncSent(socket, syncType)
          onSyncSent(syncType)
        },
      ),
    })
    // The web app's own handling of the messages y-websocket does not know (saved, denied).
    handleServerMessages(provider, {
      saved: (count) => onSaved(count, this.acks.acknowledged(count)),
      denied: (reason) => this.oddities.push(`${this.name}: permission denied (${reason})`),
    })
    provider.on('connection-close', (event) => {
      this.acks.socketClosed()
      this.socket = undefined
      if (event) this.closeCodes.push(event.code)
    })
    provider.awareness.setLocalStateField('user', { name: this.name, color: '#3366cc' })
    return provider
  }
}

/** The reconnect scheduler's timers, with every delay multiplied by `scale` (and counted). */
export function scaledTimers(scale: number, onDelay: (ms: number) => void): Timers {
  return {
    set: (callback, delayMs) => {
      onDelay(delayMs)
      return setTimeout(callback, Math.round(delayMs * scale))
    },
    clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
  }
}

/**
 * A client wired like the web app's CollabSession: `?ack=1` and a tab secret, SaveTracker fed by
 * the counting socket and the saved-acks, and reconnects decided by ReconnectScheduler (seeded
 * jitter) rather than y-websocket's own backoff. Its saved edits are those made before a moment
 * at which SaveTracker said "All changes saved".
 */
export class WebClient extends ChaosClient {
  readonly provider: WebsocketProvider
  readonly tracker: SaveTracker
  readonly reconnect: ReconnectScheduler
  /** Reconnect delays the scheduler chose (policy milliseconds, before scaling). */
  readonly delays: number[] = []
  /** Permanent close: the app would stop and tell the user. */
  stopped: number | undefined
  /** Edits before this index were all saved at some moment SaveTracker said so. */
  #savedUpTo = 0

  constructor(name: string, ws: string, docId: string, rng: Rng, reconnectScale: number) {
    super(name, rng.fork())
    this.tracker = new SaveTracker(() => this.#trackerChanged())
    const jitter = rng.fork()
    this.reconnect = new ReconnectScheduler(
      () => {
        if (!this.offline && this.stopped === undefined && !this.departed) this.provider.connect()
      },
      scaledTimers(reconnectScale, (ms) => this.delays.push(ms)),
      () => jitter.next(),
    )
    const provider = this.makeProvider(
      ws,
      docId,
      { [SyncParam.ack]: '1', [SyncParam.tab]: generateDocumentId() },
      () => this.tracker.socketOpened(),
      (syncType) => this.tracker.syncSent(syncType),
      (count) => this.tracker.acknowledged(count),
    )
    this.provider = provider
    provider.on('sync', (synced) => {
      if (synced) this.reconnect.synced()
    })
    provider.on('connection-close', (event) => {
      this.tracker.socketClosed()
      // As CollabSession: our own disconnect() clears shouldConnect first; any other close is
      // the server's or the network's, and reconnecting is the scheduler's job, not y-websocket's.
      if (event !== null || provider.shouldConnect) {
        provider.shouldConnect = false
        const code = event?.code ?? 1006
        if (isPermanentClose(code)) {
          this.reconnect.cancel()
          this.stopped = code
        } else if (!this.offline) {
          this.reconnect.closed(code)
        }
      }
    })
    // Local changes no open socket carried are unsent (the provider's own send condition).
    this.doc.on('update', (_update: Uint8Array, origin: unknown) => {
      if (origin === provider) return
      const socket = provider.ws
      this.tracker.localChange(
        provider.wsconnected && socket !== null && socket.readyState === socket.OPEN,
      )
    })
    provider.connect()
  }

  get allSaved(): boolean {
    return this.tracker.allSaved
  }

  /** The browser went offline (CollabSession's `offline` handler). */
  goOffline(): void {
    this.offline = true
    this.reconnect.cancel()
    this.provider.disconnect()
  }

  /** Back online: try at once (CollabSession's `online` handler). */
  goOnline(): void {
    this.offline = false
    this.reconnect.cancel()
    if (this.stopped === undefined) this.provider.connect()
  }

  protected override beforeClose(): void {
    this.reconnect.cancel()
  }

  protected override afterEdit(): void {
    this.#trackerChanged()
  }

  #trackerChanged(): void {
    if (!this.tracker.allSaved) return
    for (; this.#savedUpTo < this.edits.length; this.#savedUpTo++) {
      this.edits[this.#savedUpTo]!.saved = true
    }
  }
}

/** The stock provider as shipped (its own reconnect backoff), with `?ack=1` and per-edit acks. */
export class StockClient extends ChaosClient {
  readonly provider: WebsocketProvider

  constructor(name: string, ws: string, docId: string, rng: Rng) {
    super(name, rng.fork())
    this.provider = this.makeProvider(
      ws,
      docId,
      { [SyncParam.ack]: '1' },
      () => {},
      () => {},
      (_count, acked) => {
        for (const edit of acked) edit.saved = true
      },
    )
    this.provider.connect()
  }

  get allSaved(): boolean {
    return this.acks.allAcked
  }

  goOffline(): void {
    this.offline = true
    this.provider.disconnect()
  }

  goOnline(): void {
    this.offline = false
    this.provider.connect()
  }
}
