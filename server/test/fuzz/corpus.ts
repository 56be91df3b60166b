/** Fixed fuzz corpus: decoder-hang and decoder-confusion inputs from public bug reports. */
import * as encoding from 'lib0/encoding'
import { SyncMessageType } from '@tandem/shared'
import { build, syncFrame, awarenessUpdate, fromHex, deepJson, ghostId } from './wire.js'
import { MAX, varUint } from './mutate.js'

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

export const V1 = {
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
