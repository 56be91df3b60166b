/**
 * Wire helpers for the protocol fuzzer: a seeded PRNG, frame builders, and an oracle that says
 * what a correct server must do with a frame.
 */
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { CloseCode, MessageType, SyncMessageType } from '@tandem/shared'

/** mulberry32: a tiny seeded PRNG, so a failing run can be replayed from its printed seed. */
export class Rng {
  #state: number
  constructor(seed: number) {
    this.#state = seed >>> 0
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  u32(): number {
    return this.int(4294967296)
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = this.int(256)
    return out
  }
  /** A child generator with its own stream (one per worker, so workers do not interleave). */
  fork(): Rng {
    return new Rng(this.u32())
  }
  /** Picks a key of `weights` with probability proportional to its value. */
  weighted<K extends string>(weights: Record<K, number>): K {
    const entries = Object.entries(weights) as [K, number][]
    let r = this.next() * entries.reduce((sum, [, w]) => sum + w, 0)
    for (const [key, w] of entries) if ((r -= w) < 0) return key
    return entries[entries.length - 1]![0]
  }
}

/** Encodes with lib0 (varUints, varUint8Arrays, strings) and returns the bytes. */
export function build(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder()
  write(e)
  return encoding.toUint8Array(e)
}

/** A y-websocket sync message: type 0, subtype, varUint8Array payload. */
export function syncFrame(subtype: number, payload: Uint8Array): Uint8Array {
  return build((e) => {
    encoding.writeVarUint(e, MessageType.sync)
    encoding.writeVarUint(e, subtype)
    encoding.writeVarUint8Array(e, payload)
  })
}

/** A y-websocket awareness message: type 1, varUint8Array awareness update. */
export function awarenessFrame(update: Uint8Array): Uint8Array {
  return build((e) => {
    encoding.writeVarUint(e, MessageType.awareness)
    encoding.writeVarUint8Array(e, update)
  })
}

/** An awareness update from `[clientId, clock, JSON text]` entries (the JSON is not checked). */
export function awarenessUpdate(entries: [number, number, string][]): Uint8Array {
  return build((e) => {
    encoding.writeVarUint(e, entries.length)
    for (const [id, clock, json] of entries) {
      encoding.writeVarUint(e, id)
      encoding.writeVarUint(e, clock)
      encoding.writeVarString(e, json)
    }
  })
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
export const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))

/**
 * What a correct server must do with one binary frame, judged by the protocol alone:
 * `reject` (close 4422; 4413 is also fine when a declared length exceeds the frame), `accept`
 * (keep the connection), `store` (a non-empty update Yjs decodes: it may be stored and relayed),
 * or `awareness` (well-formed awareness whose JSON parses; the server may keep or drop it).
 */
export interface Verdict {
  kind: 'reject' | 'accept' | 'store' | 'awareness'
  /** A declared length (or count) runs past the end of the frame. */
  hugeDeclared: boolean
  update?: Uint8Array
}

export function classify(frame: Uint8Array): Verdict {
  let hugeDeclared = false
  const bytes = (d: decoding.Decoder): Uint8Array => {
    const len = decoding.peekVarUint(d)
    if (len > d.arr.length) hugeDeclared = true
    return decoding.readVarUint8Array(d)
  }
  try {
    const d = decoding.createDecoder(frame)
    const type = decoding.readVarUint(d)
    if (type === MessageType.queryAwareness) return { kind: 'accept', hugeDeclared }
    if (type === MessageType.awareness) {
      const a = decoding.createDecoder(bytes(d))
      const n = decoding.readVarUint(a)
      if (n > a.arr.length) hugeDeclared = true
      for (let i = 0; i < n; i++) {
        decoding.readVarUint(a)
        decoding.readVarUint(a)
        JSON.parse(decoding.readVarString(a))
      }
      return { kind: 'awareness', hugeDeclared }
    }
    if (type !== MessageType.sync) return { kind: 'reject', hugeDeclared }
    const sub = decoding.readVarUint(d)
    if (sub === SyncMessageType.step1) {
      Y.decodeStateVector(bytes(d))
      return { kind: 'accept', hugeDeclared }
    }
    if (sub !== SyncMessageType.step2 && sub !== SyncMessageType.update) {
      return { kind: 'reject', hugeDeclared }
    }
    const update = bytes(d)
    Y.decodeUpdate(update)
    if (update.length === 2 && update[0] === 0 && update[1] === 0) {
      return { kind: 'accept', hugeDeclared }
    }
    return { kind: 'store', hugeDeclared, update }
  } catch {
    return { kind: 'reject', hugeDeclared }
  }
}

/** Close codes a server may use for a frame of this verdict (besides load shedding). */
export function expectedCodes(verdict: Verdict): number[] {
  return verdict.hugeDeclared
    ? [CloseCode.malformedMessage, CloseCode.tooLarge]
    : [CloseCode.malformedMessage]
}

/** Every client id that an update's structs or delete set mention. */
export function updateClients(update: Uint8Array): Set<number> {
  const { structs, ds } = Y.decodeUpdate(update)
  const ids = new Set(structs.map((s) => s.id.client))
  for (const client of ds.clients.keys()) ids.add(client)
  return ids
}

/** Deeply nested JSON: parses fine, but JSON.stringify and deep equality overflow the stack. */
export const deepJson = (depth: number): string =>
  `{"cursor":${'['.repeat(depth)}${']'.repeat(depth)}}`

/** A client id no honest client uses, for forged presence. */
export const ghostId = 0x51a7e

/** A frame for a failure message: hex (the start only, past 256 bytes), or a text frame's JSON. */
export const hexOf = (data: Uint8Array | string): string =>
  typeof data === 'string'
    ? `text ${JSON.stringify(data)}`
    : data.length > 256
      ? `${data.length} bytes, starting ${hex(data.subarray(0, 32))}`
      : hex(data)

/** Awareness states (id → JSON) carried by an awareness message, or undefined for other types. */
export function awarenessStates(message: Uint8Array): Map<number, string> | undefined {
  const d = decoding.createDecoder(message)
  if (decoding.readVarUint(d) !== MessageType.awareness) return undefined
  const a = decoding.createDecoder(decoding.readVarUint8Array(d))
  const states = new Map<number, string>()
  for (let i = decoding.readVarUint(a); i > 0; i--) {
    const id = decoding.readVarUint(a)
    decoding.readVarUint(a)
    states.set(id, decoding.readVarString(a))
  }
  return states
}

/** The payload of a sync message of the given subtype, or undefined. */
export function syncPayload(message: Uint8Array, subtype: number): Uint8Array | undefined {
  const d = decoding.createDecoder(message)
  if (decoding.readVarUint(d) !== MessageType.sync || decoding.readVarUint(d) !== subtype) return
  return decoding.readVarUint8Array(d)
}

/** The empty update `[0, 0]`: what a server with nothing to send answers a sync step 1 with. */
export const isEmptyUpdate = (u: Uint8Array): boolean => u.length === 2 && u[0] === 0 && u[1] === 0

/** Client ids with structs in a document. */
export const clientsOf = (doc: Y.Doc): number[] => [...doc.store.clients.keys()]

/**
 * Where two snapshots differ, for a failure message: each client id whose state (clock) or
 * deletions differ, marked when it is one of `honest`; "none" when they are equal.
 */
export function snapshotDifference(
  a: Y.Snapshot,
  b: Y.Snapshot,
  honest: ReadonlySet<number>,
): string {
  const deletions = (s: Y.Snapshot, client: number): string =>
    JSON.stringify((s.ds.clients.get(client) ?? []).map((r) => [r.clock, r.len]))
  const clients = new Set([
    ...a.sv.keys(),
    ...b.sv.keys(),
    ...a.ds.clients.keys(),
    ...b.ds.clients.keys(),
  ])
  const lines: string[] = []
  for (const client of [...clients].sort((x, y) => x - y)) {
    const [svA, svB] = [a.sv.get(client) ?? 0, b.sv.get(client) ?? 0]
    const [dsA, dsB] = [deletions(a, client), deletions(b, client)]
    if (svA === svB && dsA === dsB) continue
    lines.push(
      `${client}${honest.has(client) ? ' (honest)' : ''}: clock ${svA} vs ${svB}` +
        (dsA === dsB ? '' : `, deletions ${dsA.slice(0, 80)} vs ${dsB.slice(0, 80)}`),
    )
  }
  return lines.length === 0 ? 'none' : lines.slice(0, 10).join('; ')
}
