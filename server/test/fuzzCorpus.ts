/**
 * Inputs for the protocol fuzzer (fuzz.test.ts): a seeded PRNG, frame builders, a protocol oracle
 * that says what a correct server must do with a frame, mutation operators, and a fixed corpus of
 * decoder-hang inputs from public bug reports.
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
const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))

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

const MAX = Number.MAX_SAFE_INTEGER
const HUGE = [2 ** 31 - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 48, MAX]
const varUint = (n: number): Uint8Array => build((e) => encoding.writeVarUint(e, n))

/** Mutation operators on bytes: bit flips, overwrites, truncation, splicing, huge varUints. */
export function mutate(rng: Rng, input: Uint8Array, donor?: Uint8Array): Uint8Array {
  let out: Uint8Array = Uint8Array.from(input)
  const rounds = 1 + rng.int(3)
  for (let r = 0; r < rounds; r++) {
    const at = out.length === 0 ? 0 : rng.int(out.length)
    switch (rng.int(8)) {
      case 0: // bit flips
        for (let i = 0, n = 1 + rng.int(4); i < n && out.length > 0; i++) {
          const j = rng.int(out.length)
          out[j] = out[j]! ^ (1 << rng.int(8))
        }
        break
      case 1: // overwrite a byte with an interesting value
        if (out.length > 0) out[at] = rng.pick([0, 1, 0x7f, 0x80, 0xff, rng.int(256)])
        break
      case 2: // truncate
        out = out.slice(0, at)
        break
      case 3: // splice: prefix of this, suffix of the donor (or of itself)
        out = concat(out.slice(0, at), (donor ?? out).slice(rng.int((donor ?? out).length + 1)))
        break
      case 4: // insert random bytes
        out = concat(out.slice(0, at), rng.bytes(1 + rng.int(8)), out.slice(at))
        break
      case 5: // duplicate a chunk
        out = concat(out.slice(0, at), out.slice(rng.int(at + 1), at), out.slice(at))
        break
      case 6: // replace the varUint starting here with a huge one
        out = concat(out.slice(0, at), varUint(rng.pick(HUGE)), out.slice(skipVarUint(out, at)))
        break
      default: // zero a range
        out.fill(0, at, at + 1 + rng.int(8))
    }
  }
  return out
}

function skipVarUint(bytes: Uint8Array, at: number): number {
  let i = at
  while (i < bytes.length && bytes[i]! >= 0x80) i++
  return Math.min(bytes.length, i + 1)
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/**
 * Valid, varied V1 updates (text with formatting and embeds, maps with every `any` kind, nested
 * types, XML, subdocuments, deletions) to mutate. Client ids and guids come from `rng`.
 */
export function baseUpdates(rng: Rng): Uint8Array[] {
  const out: Uint8Array[] = []
  const make = (edit: (doc: Y.Doc) => void): void => {
    const doc = new Y.Doc({ guid: `fz-${rng.u32()}` })
    doc.clientID = rng.u32()
    doc.on('update', (u: Uint8Array) => out.push(u))
    edit(doc)
    out.push(Y.encodeStateAsUpdate(doc))
    doc.destroy()
  }
  const word = (): string => `fz${rng.u32().toString(36)}`
  for (let i = 0; i < 6; i++) {
    make((doc) => {
      const text = doc.getText(rng.pick(['t', 'title', 'x']))
      text.insert(0, `${word()} ${word()} ${word()}`)
      text.format(1, 4, { bold: true, href: word() })
      text.insertEmbed(2, { image: word() })
      text.delete(rng.int(3), 1 + rng.int(3))
      const map = doc.getMap('m')
      map.set('n', rng.next())
      map.set('i', rng.int(1_000_000))
      map.set('s', word())
      map.set('b', rng.chance(0.5))
      map.set('z', null)
      map.set('o', { a: [1, 'two', { three: 3 }], u8: rng.bytes(4) })
      map.set('big', BigInt(rng.u32()) * 4294967296n)
      const nested = new Y.Map<unknown>()
      map.set('nested', nested)
      nested.set('arr', Y.Array.from([1, 2, 3]))
      map.delete('s')
      doc.getArray('a').insert(0, [word(), rng.bytes(3), new Y.Text(word())])
      const xml = doc.getXmlFragment('default')
      const el = new Y.XmlElement('paragraph')
      el.setAttribute('level', String(rng.int(6)))
      el.insert(0, [new Y.XmlText(word())])
      xml.insert(0, [el])
      doc.getMap('docs').set('sub', new Y.Doc({ guid: `fz-sub-${rng.u32()}` }))
    })
  }
  return out
}

/** One frame to send, and what a correct server must do with it. */
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

/** Deeply nested JSON: parses fine, but JSON.stringify and deep equality overflow the stack. */
const deepJson = (depth: number): string => `{"cursor":${'['.repeat(depth)}${']'.repeat(depth)}}`
const ghostId = 0x51a7e

/** One fixed input: the bytes, what they are, and where they come from. */
export interface CorpusEntry {
  name: string
  /** Public report the input comes from (or what it probes). */
  source: string
  /**
   * `update`: a Yjs update payload, sent both as sync step 2 and as sync update; `awareness`: an
   * awareness update payload; `frame`: a whole frame (a string is sent as a text frame).
   */
  kind: 'update' | 'awareness' | 'frame'
  bytes: Uint8Array | string
  /**
   * `refuse`: the connection must be closed (4422, or 4413/4415 as documented) and nothing kept;
   * `survive`: decodable, possibly kept, but decoding must not stall the server or break the room.
   */
  expect: 'refuse' | 'survive'
}

const V1 = {
  /** One client, `structs` structs starting at `clock`, then whatever `body` writes. */
  structs: (structs: number, clock: number, body: (e: encoding.Encoder) => void): Uint8Array =>
    build((e) => {
      encoding.writeVarUint(e, 1)
      encoding.writeVarUint(e, structs)
      encoding.writeVarUint(e, 0x1d)
      encoding.writeVarUint(e, clock)
      body(e)
    }),
}

/** Known decoder-hang and decoder-confusion inputs. */
export const corpus: CorpusEntry[] = [
  {
    name: 'garbagedoc',
    source:
      'dmonad/lib0#42, yjs/yjs#479: readVarUint loops forever on Buffer.from("garbagedoc", "base64")',
    kind: 'update',
    bytes: new Uint8Array(Buffer.from('garbagedoc', 'base64')),
    expect: 'refuse',
  },
  {
    name: 'zero-length update',
    source: 'yjs/yjs#498: applyUpdate(doc, new Uint8Array()) loops in readVarUint',
    kind: 'update',
    bytes: new Uint8Array(0),
    expect: 'refuse',
  },
  {
    name: 'yjs#687 run-length bomb',
    source: 'yjs/yjs#687: a V2 update whose RLE decoders repeat forever (hangs decodeUpdateV2)',
    kind: 'update',
    bytes: fromHex('00010000000001000100010200001602000001fdffffffff7f0000'),
    expect: 'refuse',
  },
  {
    name: 'yjs#687 bomb, larger count',
    source: 'yjs/yjs#687 variant: struct count 2^53-1',
    kind: 'update',
    bytes: fromHex('00010000000001000100010200001602000001ffffffffffffff0f0000'),
    expect: 'refuse',
  },
  {
    name: 'yjs#687 bomb, larger run length',
    source: 'yjs/yjs#687 variant: run length 2^32-1 in the client column',
    kind: 'update',
    bytes: fromHex('0001000000000100010001020000160a00ffffffff0f01fdffffffff7f0000'),
    expect: 'refuse',
  },
  {
    name: 'valid V2 update',
    source: 'only Yjs update format V1 is accepted from clients (issue 4)',
    kind: 'update',
    bytes: fromHex(
      '000005aeff97920f0000030400280d087468656c6c6f6d6b010541000101000101010200760101617d0100',
    ),
    expect: 'refuse',
  },
  {
    name: 'empty V1 update with trailing bytes',
    source: 'a V1 decoder that ignores trailing bytes also accepts V2 updates and stores junk',
    kind: 'update',
    bytes: fromHex('0000deadbeef'),
    expect: 'refuse',
  },
  {
    name: 'V1 client count 2^53-1',
    source: 'yjs/yjs#687 shape in V1: huge numOfStateUpdates, no data',
    kind: 'update',
    bytes: varUint(MAX),
    expect: 'refuse',
  },
  {
    name: 'V1 struct count 2^32-1',
    source: 'yjs/yjs#687 shape in V1: new Array(2^32-1)',
    kind: 'update',
    bytes: V1.structs(2 ** 32 - 1, 0, () => {}),
    expect: 'refuse',
  },
  {
    name: 'V1 struct count 2^31 with 1000 GCs',
    source: 'yjs/yjs#687 shape in V1: the count outruns the data',
    kind: 'update',
    bytes: V1.structs(2 ** 31, 0, (e) => {
      for (let i = 0; i < 1000; i++) encoding.writeUint8Array(e, Uint8Array.of(0, 1))
    }),
    expect: 'refuse',
  },
  {
    name: 'V1 ContentAny count 2^31',
    source: 'readContentAny loops over a declared count',
    kind: 'update',
    bytes: V1.structs(1, 0, (e) => {
      encoding.writeUint8(e, 8)
      encoding.writeVarUint(e, 1)
      encoding.writeVarString(e, 't')
      encoding.writeVarUint(e, 2 ** 31)
    }),
    expect: 'refuse',
  },
  {
    name: 'V1 delete set count 2^53-1',
    source: 'readDeleteSet loops over a declared count',
    kind: 'update',
    bytes: build((e) => {
      encoding.writeVarUint(e, 0)
      encoding.writeVarUint(e, MAX)
    }),
    expect: 'refuse',
  },
  {
    name: 'V1 string length 2^32',
    source: 'huge declared length inside an update',
    kind: 'update',
    bytes: V1.structs(1, 0, (e) => {
      encoding.writeUint8(e, 4)
      encoding.writeVarUint(e, 1)
      encoding.writeVarString(e, 't')
      encoding.writeVarUint(e, 2 ** 32)
    }),
    expect: 'refuse',
  },
  {
    name: 'V1 GC run length 2^53-1',
    source: 'yjs/yjs#687 shape in V1: one GC struct of huge length',
    kind: 'update',
    bytes: V1.structs(1, 0, (e) => {
      encoding.writeUint8(e, 0)
      encoding.writeVarUint(e, MAX)
      encoding.writeVarUint(e, 0)
    }),
    expect: 'survive',
  },
  {
    name: 'V1 Skip run length 2^53-1',
    source: 'yjs/yjs#687 shape in V1: one Skip struct of huge length',
    kind: 'update',
    bytes: V1.structs(1, 0, (e) => {
      encoding.writeUint8(e, 10)
      encoding.writeVarUint(e, MAX)
      encoding.writeVarUint(e, 0)
    }),
    expect: 'survive',
  },
  {
    name: 'V1 deleted content length 2^53-1',
    source: 'yjs/yjs#687 shape in V1: ContentDeleted of huge length in a root type',
    kind: 'update',
    bytes: V1.structs(1, 0, (e) => {
      encoding.writeUint8(e, 1)
      encoding.writeVarUint(e, 1)
      encoding.writeVarString(e, 't')
      encoding.writeVarUint(e, MAX)
      encoding.writeVarUint(e, 0)
    }),
    expect: 'survive',
  },
  {
    name: 'V1 delete range 2^53-1',
    source: 'yjs/yjs#687 shape in V1: a delete-set range of huge length',
    kind: 'update',
    bytes: build((e) => {
      for (const n of [0, 1, 0x1d, 1, 0, MAX]) encoding.writeVarUint(e, n)
    }),
    expect: 'survive',
  },
  {
    name: 'zero-length GC struct',
    source: 'found by this fuzzer: decodes and applies, but the state it leaves cannot be applied',
    kind: 'update',
    bytes: fromHex('01011d00000000'),
    expect: 'refuse',
  },
  {
    name: 'zero-length delete range',
    source: 'found by this fuzzer: decodes, then applyUpdate throws in writeDsLen(0)',
    kind: 'update',
    bytes: fromHex('00011d010500'),
    expect: 'refuse',
  },
  {
    name: 'zero-length deleted content',
    source: 'found by this fuzzer: applyUpdate integrates the struct, then throws',
    kind: 'update',
    bytes: fromHex('01011d0001010174000000'),
    expect: 'refuse',
  },
  {
    name: 'zero-length ContentAny',
    source: 'an empty item: decodable, applicable and re-applicable',
    kind: 'update',
    bytes: fromHex('01011d00080101740000'),
    expect: 'survive',
  },
  {
    name: 'awareness count 2^32',
    source: 'applyAwarenessUpdate loops over a declared count',
    kind: 'awareness',
    bytes: varUint(2 ** 32),
    expect: 'refuse',
  },
  {
    name: 'awareness half-valid',
    source: 'applyAwarenessUpdate sets entries before a later one throws (no event, no owner)',
    kind: 'awareness',
    bytes: awarenessUpdate([
      [ghostId, 1, '{"user":{"name":"ghost","color":"#123456"}}'],
      [ghostId + 1, 1, '{not json'],
    ]),
    expect: 'refuse',
  },
  {
    name: 'awareness deep JSON',
    source: 'JSON.parse accepts depth 10000; JSON.stringify and equalityDeep overflow the stack',
    kind: 'awareness',
    bytes: awarenessUpdate([[ghostId + 2, 1, deepJson(10_000)]]),
    expect: 'survive',
  },
  {
    name: 'awareness deep JSON, then garbage',
    source: 'a stack-overflowing state left behind by a half-valid update',
    kind: 'awareness',
    bytes: awarenessUpdate([
      [ghostId + 3, 1, deepJson(10_000)],
      [ghostId + 4, 1, '}'],
    ]),
    expect: 'refuse',
  },
  {
    name: 'empty frame',
    source: 'protocol',
    kind: 'frame',
    bytes: new Uint8Array(0),
    expect: 'refuse',
  },
  {
    name: 'text frame',
    source: 'protocol',
    kind: 'frame',
    bytes: '\u0000\u0002hello',
    expect: 'refuse',
  },
  {
    name: 'truncated type varUint',
    source: 'lib0#42 shape at the message level',
    kind: 'frame',
    bytes: fromHex('ffffff'),
    expect: 'refuse',
  },
  {
    name: 'message type 2^53-1',
    source: 'protocol: unknown message type',
    kind: 'frame',
    bytes: varUint(MAX),
    expect: 'refuse',
  },
  {
    name: 'auth message from a client',
    source: 'protocol: type 2 is server-to-client only',
    kind: 'frame',
    bytes: fromHex('020001'),
    expect: 'refuse',
  },
  {
    name: 'saved ack from a client',
    source: 'protocol: type 100 is server-to-client only',
    kind: 'frame',
    bytes: fromHex('6405'),
    expect: 'refuse',
  },
  {
    name: 'sync subtype 3',
    source: 'protocol: unknown sync message type',
    kind: 'frame',
    bytes: fromHex('000300'),
    expect: 'refuse',
  },
  {
    name: 'update declared length 2^32',
    source: 'huge declared length at the message level',
    kind: 'frame',
    bytes: fromHex('000280808080100000'),
    expect: 'refuse',
  },
  {
    name: 'state vector count 2^53-1',
    source: 'decodeStateVector loops over a declared count',
    kind: 'frame',
    bytes: syncFrame(SyncMessageType.step1, varUint(MAX)),
    expect: 'refuse',
  },
]
