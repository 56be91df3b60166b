/** The protocol fuzzer's frame factory: mostly well-formed frames, now and then a hostile one. */
import * as encoding from 'lib0/encoding'
import { CloseCode, MessageType, SyncMessageType } from '@tandem/shared'
import type { Rng } from './wire.js'
import {
  build,
  syncFrame,
  awarenessFrame,
  awarenessUpdate,
  classify,
  expectedCodes,
  updateClients,
} from './wire.js'
import { MAX, HUGE, varUint, mutate, skipVarUint, concat, baseUpdates } from './mutate.js'
import { corpus } from './corpus.js'

export interface FuzzFrame {
  /** A string goes out as a text frame. */
  data: Uint8Array | string
  category: string
  /** `benign`: must be accepted; `fatal`: must be closed with one of `codes`; `unknown`: either. */
  class: 'benign' | 'fatal' | 'unknown'
  codes: number[]
  /** A non-empty update Yjs decodes: the server may store and relay it. */
  stores?: Uint8Array
}

/** Options for a {@link FrameFactory}. */
export interface FrameFactoryOptions {
  maxMessageBytes: number
  /** False for a document that must stay empty: frames the server may store are not made. */
  storable: boolean
  /** Client ids (honest clients) that a storable update must not mention. */
  protectedIds: ReadonlySet<number>
  /** Relative weight of benign sync step 1 messages (each costs the server an encode). */
  step1Weight: number
  /** Relative weight of oversize frames among risky ones (each is maxMessageBytes long). */
  oversizeWeight: number
}

const RISKY = {
  'random bytes': 3,
  'truncated varUint': 1,
  'unknown type': 2,
  'unknown sync type': 1,
  'invalid update': 2,
  'mutated update': 6,
  'huge length': 2,
  'random state vector': 2,
  'garbage awareness JSON': 2,
  'mutated awareness': 3,
  'random awareness JSON': 2,
  'forged awareness': 1,
  'empty frame': 1,
  'text frame': 1,
  'mutated frame': 3,
  'mutated corpus entry': 2,
  oversize: 0,
} as const
type Risky = keyof typeof RISKY

/**
 * Makes frames for one fuzz connection at a time: mostly benign (so the connection stays open and
 * the frame rate stays high), and on request one risky frame of a random category, classified by
 * {@link classify}.
 */
export class FrameFactory {
  readonly #rng: Rng
  readonly #options: FrameFactoryOptions
  readonly #updates: Uint8Array[]
  readonly #corpus = corpus
    .filter((c) => typeof c.bytes !== 'string')
    .map((c) => c.bytes as Uint8Array)
  readonly #weights: Record<Risky, number>
  #ownIds: number[] = []
  #clock = 0
  /** Awareness client ids seen from other connections (targets for forgery). */
  readonly foreignIds = new Set<number>()

  constructor(rng: Rng, options: FrameFactoryOptions) {
    this.#rng = rng
    this.#options = options
    this.#updates = baseUpdates(rng)
    this.#weights = { ...RISKY, oversize: options.oversizeWeight }
  }

  /** Call when a new connection opens: presence ids are per connection. */
  newConnection(): void {
    this.#ownIds = [this.#rng.u32()]
    this.#clock = 0
  }

  benign(): FuzzFrame {
    const rng = this.#rng
    const kind = rng.weighted({
      query: 3,
      empty: 2,
      step1: this.#options.step1Weight,
      presence: 3,
    })
    const ok = (category: string, data: Uint8Array): FuzzFrame => ({
      data,
      category,
      class: 'benign',
      codes: [],
    })
    switch (kind) {
      case 'query':
        return ok('query awareness', Uint8Array.of(MessageType.queryAwareness))
      case 'empty':
        return ok('empty update', syncFrame(1 + rng.int(2), Uint8Array.of(0, 0)))
      case 'step1':
        return ok('state vector', syncFrame(SyncMessageType.step1, this.#stateVector()))
      default:
        return ok('presence', awarenessFrame(this.#presence()))
    }
  }

  risky(): FuzzFrame {
    for (let attempt = 0; attempt < 50; attempt++) {
      const category = this.#rng.weighted(this.#weights)
      const frame = this.#make(category)
      if (frame) return frame
    }
    return this.benign()
  }

  #make(category: Risky): FuzzFrame | undefined {
    const rng = this.#rng
    const update = (): Uint8Array => rng.pick(this.#updates)
    const sub = (): number => 1 + rng.int(2)
    switch (category) {
      case 'text frame':
        return {
          data: rng.pick(['', 'hello', '\u0000\u0002', JSON.stringify({ type: 'sync' })]),
          category,
          class: 'fatal',
          codes: [CloseCode.unsupportedData],
        }
      case 'oversize': {
        const data = rng.bytes(64).subarray(0, 1 + rng.int(64))
        const big = new Uint8Array(this.#options.maxMessageBytes + data.length)
        big.set(syncFrame(SyncMessageType.update, Uint8Array.of(0, 0)))
        return { data: big, category, class: 'fatal', codes: [CloseCode.tooLarge] }
      }
      case 'empty frame':
        return this.#judge(category, new Uint8Array(0))
      case 'random bytes': {
        const bytes = rng.bytes(1 + rng.int(48))
        if (rng.chance(0.5)) bytes[0] = rng.pick([0, 1, 3])
        return this.#judge(category, bytes)
      }
      case 'truncated varUint': {
        const tail = Array.from({ length: 1 + rng.int(9) }, () => 0x80 | rng.int(128))
        const prefix = rng.pick([[], [0], [0, 1], [0, 2], [1], [0, 0]])
        return this.#judge(category, Uint8Array.from([...prefix, ...tail]))
      }
      case 'unknown type': {
        const type = rng.pick([2, 4, 5, 99, 100, 127, 128, 300, 2 ** 32, MAX, rng.u32()])
        return this.#judge(
          category,
          build((e) => {
            encoding.writeVarUint(e, type)
            encoding.writeUint8Array(e, rng.bytes(rng.int(16)))
          }),
        )
      }
      case 'unknown sync type':
        return this.#judge(category, syncFrame(3 + rng.int(300), rng.bytes(rng.int(16))))
      case 'invalid update':
        return this.#judge(category, syncFrame(sub(), rng.bytes(rng.int(64))))
      case 'mutated update':
        return this.#judge(category, syncFrame(sub(), mutate(rng, update(), update())))
      case 'huge length': {
        const len = rng.pick(HUGE)
        const frame = rng.chance(0.5)
          ? build((e) => {
              encoding.writeVarUint(e, rng.pick([MessageType.sync, MessageType.awareness]))
              if (rng.chance(0.7)) encoding.writeVarUint(e, sub())
              encoding.writeVarUint(e, len)
              encoding.writeUint8Array(e, rng.bytes(rng.int(32)))
            })
          : syncFrame(sub(), mutateVarUint(rng, update(), len))
        return this.#judge(category, frame)
      }
      case 'random state vector':
        return this.#judge(
          category,
          syncFrame(
            SyncMessageType.step1,
            rng.chance(0.5) ? rng.bytes(rng.int(24)) : mutate(rng, this.#stateVector()),
          ),
        )
      case 'garbage awareness JSON':
        return this.#judge(category, awarenessFrame(this.#entry(garbageJson(rng))))
      case 'mutated awareness':
        return this.#judge(category, awarenessFrame(mutate(rng, this.#presence())))
      case 'random awareness JSON':
        return this.#judge(
          category,
          awarenessFrame(this.#entry(JSON.stringify(randomJson(rng, 4)))),
        )
      case 'forged awareness': {
        if (this.foreignIds.size === 0) return undefined
        const id = rng.pick([...this.foreignIds])
        const state = rng.chance(0.5) ? 'null' : presenceJson(rng)
        const clock = rng.pick([1, 1000, 2 ** 31, MAX])
        return this.#judge(category, awarenessFrame(awarenessUpdate([[id, clock, state]])))
      }
      case 'mutated frame':
        return this.#judge(category, mutate(rng, this.benign().data as Uint8Array))
      case 'mutated corpus entry': {
        const bytes = mutate(rng, rng.pick(this.#corpus))
        return this.#judge(category, rng.chance(0.5) ? syncFrame(sub(), bytes) : bytes)
      }
    }
  }

  /** Classifies a binary frame; undefined if it may be stored where nothing may be. */
  #judge(category: string, data: Uint8Array): FuzzFrame | undefined {
    const verdict = classify(data)
    if (verdict.kind === 'reject') {
      return { data, category, class: 'fatal', codes: expectedCodes(verdict) }
    }
    if (verdict.kind !== 'store') return { data, category, class: 'unknown', codes: [] }
    if (!this.#options.storable || !verdict.update) return undefined
    for (const id of updateClients(verdict.update)) {
      if (this.#options.protectedIds.has(id)) return undefined
    }
    return { data, category, class: 'unknown', codes: [], stores: verdict.update }
  }

  #stateVector(): Uint8Array {
    const rng = this.#rng
    return build((e) => {
      const n = rng.int(5)
      encoding.writeVarUint(e, n)
      for (let i = 0; i < n; i++) {
        encoding.writeVarUint(e, rng.chance(0.8) ? rng.u32() : rng.pick(HUGE))
        encoding.writeVarUint(e, rng.chance(0.8) ? rng.int(1000) : rng.pick(HUGE))
      }
    })
  }

  /** A valid presence update for an id this connection owns (sometimes a removal). */
  #presence(): Uint8Array {
    const rng = this.#rng
    if (this.#ownIds.length === 0) this.newConnection()
    const id = this.#ownIds[this.#ownIds.length - 1]!
    this.#clock++
    if (rng.chance(0.05)) {
      this.#ownIds.push(rng.u32())
      return awarenessUpdate([[id, this.#clock, 'null']])
    }
    return awarenessUpdate([[id, this.#clock, presenceJson(rng)]])
  }

  #entry(json: string): Uint8Array {
    this.#clock++
    return awarenessUpdate([[this.#rng.u32(), this.#clock, json]])
  }
}

function mutateVarUint(rng: Rng, bytes: Uint8Array, value: number): Uint8Array {
  const at = rng.int(bytes.length + 1)
  return concat(bytes.slice(0, at), varUint(value), bytes.slice(skipVarUint(bytes, at)))
}

function presenceJson(rng: Rng): string {
  const color = `#${rng.u32().toString(16).padStart(8, '0').slice(0, 6)}`
  const cursor = rng.chance(0.5) ? { anchor: rng.int(100), head: rng.int(100) } : null
  return JSON.stringify({ user: { name: `fuzz ${rng.int(1000)}`, color }, cursor })
}

function randomJson(rng: Rng, depth: number): unknown {
  switch (depth <= 0 ? rng.int(5) : rng.int(7)) {
    case 0:
      return null
    case 1:
      return rng.pick([0, -1, 1e308, -0, 2 ** 53 + 1, rng.next()])
    case 2:
      return rng.chance(0.5)
    case 3:
      return rng.pick(['', 'x'.repeat(rng.int(2000)), '\u{1F600}\u0000\u202e', `s${rng.u32()}`])
    case 4:
      return rng.pick([{}, [], { user: null }, { user: { name: '', color: 'red' } }])
    case 5:
      return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth - 1))
    default:
      return Object.fromEntries(
        Array.from({ length: rng.int(4) }, () => [
          rng.pick(['user', 'cursor', '__proto__', 'constructor', `k${rng.int(9)}`]),
          randomJson(rng, depth - 1),
        ]),
      )
  }
}

function garbageJson(rng: Rng): string {
  const valid = JSON.stringify(randomJson(rng, 2))
  switch (rng.int(4)) {
    case 0:
      return valid.slice(0, rng.int(valid.length))
    case 1:
      return `${valid}}`
    case 2:
      return rng.pick(['undefined', 'NaN', "{'a':1}", '{"a":}', '[1,]', '\u0000', ''])
    default:
      return Buffer.from(rng.bytes(1 + rng.int(16))).toString('latin1')
  }
}
