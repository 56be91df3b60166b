import * as Y from 'yjs'
import { describe, expect, test } from 'vitest'
import { isEmptyUpdate, isValidUpdate } from './updateValidation.js'

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
})
