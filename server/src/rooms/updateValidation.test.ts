import * as Y from 'yjs'
import { describe, expect, test } from 'vitest'
import { isEmptyUpdate, isValidUpdate, validateUpdate } from './updateValidation.js'

function typedUpdate(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

describe('update validation', () => {
  test('a real V1 update is valid, and so is a deletion', () => {
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => updates.push(u))
    doc.getText('t').insert(0, 'hello')
    doc.getText('t').delete(1, 2)
    expect(updates.every(isValidUpdate)).toBe(true)
    expect(isValidUpdate(typedUpdate('x'.repeat(10_000)))).toBe(true)
  })

  test('trailing bytes, truncation, V2 and garbage are refused', () => {
    const update = typedUpdate('hello')
    expect(isValidUpdate(Uint8Array.from([...update, 0]))).toBe(false)
    expect(isValidUpdate(update.subarray(0, update.length - 1))).toBe(false)
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'hello')
    expect(isValidUpdate(Y.encodeStateAsUpdateV2(doc))).toBe(false)
    expect(isValidUpdate(Uint8Array.from([0xff, 0xff, 0xff]))).toBe(false)
    expect(isValidUpdate(new Uint8Array(0))).toBe(false)
  })

  test('a view into a larger buffer is judged by its own bytes only', () => {
    const update = typedUpdate('hello')
    const buffer = new Uint8Array(update.length + 8)
    buffer.set(update, 4)
    expect(isValidUpdate(buffer.subarray(4, 4 + update.length))).toBe(true)
    expect(isValidUpdate(buffer.subarray(4, 4 + update.length - 1))).toBe(false)
  })

  test('a zero-length deletion range, which poisons a document halfway, is refused', () => {
    // No structs; a delete set of one client (id 1) with one range: clock 0, length 0.
    expect(isValidUpdate(Uint8Array.from([0, 1, 1, 1, 0, 0]))).toBe(false)
    expect(isValidUpdate(Uint8Array.from([0, 1, 1, 1, 0, 1]))).toBe(true)
  })

  test('the empty update [0, 0] is recognised without decoding', () => {
    expect(isEmptyUpdate(Uint8Array.from([0, 0]))).toBe(true)
    expect(isEmptyUpdate(Uint8Array.from([0, 0, 0]))).toBe(false)
    expect(isEmptyUpdate(typedUpdate('a'))).toBe(false)
  })

  test('validation tells which client ids wrote content and whether anything is deleted', () => {
    const a = new Y.Doc()
    a.clientID = 11
    a.getText('t').insert(0, 'hello')
    const b = new Y.Doc()
    b.clientID = 22
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    const updates: Uint8Array[] = []
    b.on('update', (u: Uint8Array) => updates.push(u))
    b.getText('t').delete(0, 2)
    b.getText('t').insert(0, 'J')
    expect(validateUpdate(Y.encodeStateAsUpdate(a))).toEqual({ clients: [11], deletes: false })
    expect(validateUpdate(updates[0] as Uint8Array)).toEqual({ clients: [], deletes: true })
    expect(validateUpdate(updates[1] as Uint8Array)).toEqual({ clients: [22], deletes: false })
    expect(validateUpdate(Y.encodeStateAsUpdate(b))?.clients.sort()).toEqual([11, 22])
    expect(validateUpdate(Uint8Array.from([0xff]))).toBeUndefined()
  })

  test('an item pointing at its own client at or after its own clock is refused', () => {
    // Captured by the fuzzer: it decoded, was committed, then threw while applying and
    // poisoned the room for everyone in it.
    const poison = Uint8Array.from(
      Buffer.from(
        '0102afd4a7c901002700afd4a7c9012d03617272000800afd4a7c9012e037d017d027d0300',
        'hex',
      ),
    )
    expect(() => {
      const doc = new Y.Doc()
      Y.applyUpdate(doc, poison)
    }).toThrow()
    expect(isValidUpdate(poison)).toBe(false)
  })
})
