import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { diffTitle, transformOffset, type TitleEdit } from './titleDiff'

/** Applies `edit` to `text` the way the title field applies it to the Y.Text. */
function apply(text: string, edit: TitleEdit | undefined): string {
  if (!edit) return text
  return text.slice(0, edit.index) + edit.insert + text.slice(edit.index + edit.deleteCount)
}

describe('diffTitle', () => {
  it('is undefined when nothing changed', () => {
    expect(diffTitle('', '')).toBeUndefined()
    expect(diffTitle('Plans', 'Plans')).toBeUndefined()
  })

  it('turns typing, deleting and replacing into one minimal edit', () => {
    expect(diffTitle('', 'Plans')).toEqual({ index: 0, deleteCount: 0, insert: 'Plans' })
    expect(diffTitle('Plans', 'Plans!')).toEqual({ index: 5, deleteCount: 0, insert: '!' })
    expect(diffTitle('Plans', 'My Plans')).toEqual({ index: 0, deleteCount: 0, insert: 'My ' })
    expect(diffTitle('Big plans', 'Bi plans')).toEqual({ index: 2, deleteCount: 1, insert: '' })
    expect(diffTitle('Plans', '')).toEqual({ index: 0, deleteCount: 5, insert: '' })
    expect(diffTitle('Q1 plans', 'Q2 plans')).toEqual({ index: 1, deleteCount: 1, insert: '2' })
    // A repeated letter: the edit lands on the first position that differs.
    expect(diffTitle('aa', 'aaa')).toEqual({ index: 2, deleteCount: 0, insert: 'a' })
  })

  it('never splits an emoji (a surrogate pair) in two', () => {
    // 😀 and 😃 share their first UTF-16 unit.
    const edit = diffTitle('Day 😀 off', 'Day 😃 off')
    expect(edit).toEqual({ index: 4, deleteCount: 2, insert: '😃' })
    // U+1F600 (D83D DE00) and U+10600 (D801 DE00) share their second unit instead.
    const high = diffTitle('x\u{1F600}', 'x\u{10600}')
    // No lone surrogate (the u flag reads a proper pair as one code point).
    expect(high?.insert).not.toMatch(/\p{Cs}/u)
    expect(high).toEqual({ index: 1, deleteCount: 2, insert: '\u{10600}' })
  })

  it('round-trips random edits, and merges with a concurrent edit elsewhere', () => {
    const samples: Array<[string, string]> = [
      ['Weekly notes', 'Weekly team notes'],
      ['Roadmap 2024', 'Roadmap 2025 draft'],
      ['🎉 Launch', '🎊 Launch'],
      ['abc', 'xyz'],
      ['', '✨'],
    ]
    for (const [prev, next] of samples) expect(apply(prev, diffTitle(prev, next))).toBe(next)

    // Alice renames the start while Bob appends: both changes survive.
    const alice = new Y.Doc()
    const bob = new Y.Doc()
    alice.getText('title').insert(0, 'Weekly notes')
    Y.applyUpdate(bob, Y.encodeStateAsUpdate(alice))
    for (const [doc, next] of [
      [alice, 'Daily notes'],
      [bob, 'Weekly notes (draft)'],
    ] as const) {
      const text = doc.getText('title')
      const edit = diffTitle(text.toString(), next)!
      text.delete(edit.index, edit.deleteCount)
      text.insert(edit.index, edit.insert)
    }
    Y.applyUpdate(alice, Y.encodeStateAsUpdate(bob))
    Y.applyUpdate(bob, Y.encodeStateAsUpdate(alice))
    expect(alice.getText('title').toString()).toBe('Daily notes (draft)')
    expect(bob.getText('title').toString()).toBe('Daily notes (draft)')
  })
})

describe('transformOffset', () => {
  it('moves a caret right for text inserted at or before it, not after it', () => {
    expect(transformOffset(5, [{ insert: 'abc' }])).toBe(8)
    expect(transformOffset(5, [{ retain: 5 }, { insert: 'abc' }])).toBe(8)
    expect(transformOffset(5, [{ retain: 6 }, { insert: 'abc' }])).toBe(5)
  })

  it('moves a caret left for text deleted before it, at most to where the deletion began', () => {
    expect(transformOffset(5, [{ delete: 2 }])).toBe(3)
    expect(transformOffset(5, [{ retain: 3 }, { delete: 10 }])).toBe(3)
    expect(transformOffset(5, [{ retain: 5 }, { delete: 2 }])).toBe(5)
    expect(transformOffset(0, [{ delete: 4 }])).toBe(0)
  })

  it('follows a replacement made through a real Y.Text', () => {
    const doc = new Y.Doc()
    const title = doc.getText('title')
    title.insert(0, 'Hello world')
    let delta: Array<{ insert?: unknown; delete?: number; retain?: number }> = []
    title.observe((event) => {
      delta = event.delta as typeof delta
    })
    doc.transact(() => {
      title.delete(0, 5)
      title.insert(0, 'Goodbye')
    })
    // The caret was before "world" (offset 6): it stays before it.
    expect(transformOffset(6, delta)).toBe(8)
    expect(title.toString().slice(8)).toBe('world')
  })
})
