/** A fuzz worker: one raw connection at a time, reconnecting whenever the server closes it. */
import * as Y from 'yjs'
import { CloseCode, MessageType, SyncMessageType } from '@tandem/shared'
import type { FrameFactory, FuzzFrame } from './FrameFactory.js'
import { RawConnection, type Outcome } from './RawConnection.js'
import type { Replica } from './Replica.js'
import { DOCUMENTED, LOAD_CODES, REPLY_TIMEOUT_MS } from './settings.js'
import type { Tally } from './Tally.js'
import {
  awarenessStates,
  hexOf,
  isEmptyUpdate,
  syncFrame,
  syncPayload,
  updateClients,
  type Rng,
} from './wire.js'

/** One fuzz worker: its document, random stream, frame factory and the shared tally. */
export interface WorkerOptions {
  url: string
  rng: Rng
  factory: FrameFactory
  tally: Tally
  /** Present for the shared document; absent for the one that must stay empty. */
  replica?: Replica
  label: string
}

/** Connects, fuzzes, and reconnects whenever the server closes it, until the budget is spent. */
export async function fuzzWorker(o: WorkerOptions): Promise<void> {
  while (o.tally.sent < o.tally.budget && Date.now() < o.tally.deadline) {
    await fuzzConnection(o)
  }
}

async function fuzzConnection(o: WorkerOptions): Promise<void> {
  const { rng, factory, tally, replica } = o
  tally.connections++
  const ownIds = new Set<number>()
  const recent: FuzzFrame[] = []
  let risky: FuzzFrame | undefined
  const raw = new RawConnection(o.url, (message) => {
    try {
      const states = awarenessStates(message)
      if (states) {
        for (const id of states.keys()) if (!ownIds.has(id)) factory.foreignIds.add(id)
        return
      }
      const type = message[0]
      if (type === MessageType.auth) tally.deniedWrites++
      const update =
        syncPayload(message, SyncMessageType.step2) ?? syncPayload(message, SyncMessageType.update)
      if (!update) return
      if (replica) {
        if (!replica.apply(update)) {
          tally.violation(
            `${o.label}: the server sent an update a client cannot apply (${replica.broken}): ${hexOf(message)}`,
          )
        }
      } else if (!isEmptyUpdate(update)) {
        tally.violation(`${o.label}: the never-stored document served content ${hexOf(update)}`)
      }
    } catch (err) {
      tally.violation(`${o.label}: the server sent a message a client cannot read: ${String(err)}`)
    }
  })
  let unsettled = 0
  const send = (frame: FuzzFrame): void => {
    raw.send(frame.data)
    unsettled++
    recent.push(frame)
    if (recent.length > 4) recent.shift()
    tally.categories.set(frame.category, (tally.categories.get(frame.category) ?? 0) + 1)
    if (frame.stores) for (const id of updateClients(frame.stores)) tally.storedIds.add(id)
    if (frame.data instanceof Uint8Array && frame.data[0] === MessageType.awareness) {
      const states = awarenessStatesSafe(frame.data)
      for (const id of states) if (!factory.foreignIds.has(id)) ownIds.add(id)
    }
  }
  const first = await raw.ready
  if (first && raw.code === undefined) {
    factory.newConnection()
    const serverStateVector = syncPayload(first, SyncMessageType.step1)
    if (replica && !replica.broken && serverStateVector) {
      send(replica.answer(serverStateVector))
      send({
        data: syncFrame(SyncMessageType.step1, Y.encodeStateVector(replica.doc)),
        category: 'sync step 1',
        class: 'benign',
        codes: [],
      })
    }
    for (;;) {
      const n = tally.take(8 + rng.int(56))
      if (n === 0) break
      for (let i = 0; i < n; i++) {
        send(replica && !replica.broken && rng.chance(0.03) ? replica.edit() : factory.benign())
      }
      let outcome: Outcome
      if (rng.chance(0.35) && tally.take(1) === 1) {
        risky = factory.risky()
        send(risky)
        outcome = risky.class === 'fatal' ? await raw.waitClosed() : await raw.settle()
      } else {
        outcome = await raw.settle()
      }
      // Frames before a pong were handled; so were all before (and the one causing) a 4422.
      if ('answered' in outcome) tally.handled += unsettled
      if ('closed' in outcome && outcome.closed === CloseCode.malformedMessage) {
        tally.handled += unsettled
      }
      unsettled = 0
      if ('timedOut' in outcome) {
        const what = risky?.class === 'fatal' ? 'did not close after' : 'stopped answering after'
        tally.violation(
          `${o.label}: the server ${what} ${risky?.category ?? 'benign frames'}: ${recent.map((f) => hexOf(f.data)).join(' | ')}`,
        )
        raw.ws.terminate()
        break
      }
      if ('closed' in outcome) break
    }
  } else if (raw.code === undefined) {
    tally.violation(`${o.label}: no sync step 1 within ${REPLY_TIMEOUT_MS} ms of connecting`)
  }
  await raw.end()
  if (raw.selfClosed || raw.code === undefined) return
  const code = raw.code
  tally.closes.set(code, (tally.closes.get(code) ?? 0) + 1)
  const last = recent.map((f) => `${f.category}: ${hexOf(f.data)}`).join(' | ')
  if (!DOCUMENTED.includes(code)) {
    tally.violation(`${o.label}: undocumented close code ${code}; last frames: ${last}`)
  } else if (!risky && !LOAD_CODES.includes(code)) {
    tally.violation(`${o.label}: closed ${code} after benign frames only; last frames: ${last}`)
  } else if (risky?.class === 'fatal' && ![...risky.codes, ...LOAD_CODES].includes(code)) {
    tally.violation(
      `${o.label}: ${risky.category} ${hexOf(risky.data)} closed with ${code}, expected ${risky.codes.join('/')}`,
    )
  }
}

function awarenessStatesSafe(frame: Uint8Array): number[] {
  try {
    return [...(awarenessStates(frame)?.keys() ?? [])]
  } catch {
    return []
  }
}
