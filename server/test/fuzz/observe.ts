import * as Y from 'yjs'
import { MessageType, SyncMessageType } from '@tandem/shared'
import { waitFor } from '../helpers.js'
import { RawConnection } from './RawConnection.js'
import { REPLY_TIMEOUT_MS } from './settings.js'
import { awarenessStates, hexOf, syncFrame, syncPayload } from './wire.js'

/** What a newcomer is told about a document; undefined fields mean no answer came. */
export interface Observation {
  /** Sync step 2 for an empty state vector: the whole document. */
  content?: Uint8Array
  /** Why a fresh Y.Doc could not apply `content`, if it could not. */
  unappliable?: string
  /** Awareness states reported, id → JSON. */
  states?: Map<number, string>
  /** Close code, if the server closed the newcomer. */
  closed?: number
}

/** Joins a document (`ws` is the sync endpoint) as a newcomer: asks for everything and everyone. */
export async function observe(ws: string, id: string): Promise<Observation> {
  const seen: Observation = {}
  let queried = false
  const raw = new RawConnection(`${ws}/${id}`, (m) => {
    seen.content ??= syncPayload(m, SyncMessageType.step2)
    const states = awarenessStates(m)
    if (states && queried) seen.states = states
  })
  if (await raw.ready) {
    raw.send(syncFrame(SyncMessageType.step1, Uint8Array.of(0)))
    queried = true
    raw.send(Uint8Array.of(MessageType.queryAwareness))
    await waitFor(() => seen.content !== undefined && seen.states !== undefined, {
      timeoutMs: REPLY_TIMEOUT_MS,
      what: 'a newcomer to be answered',
    }).catch(() => {})
  }
  await raw.end()
  if (!raw.selfClosed) seen.closed = raw.code
  if (seen.content) {
    try {
      Y.applyUpdate(new Y.Doc(), seen.content)
    } catch (err) {
      seen.unappliable = `${String(err)}; content ${hexOf(seen.content)}`
    }
  }
  return seen
}
