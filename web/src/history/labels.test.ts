import { describe, expect, it } from 'vitest'
import type { Version } from '../collab'
import { entryLabel, namesText, optionLabel, versionAuthors, versionTitle } from './labels'
import { CURRENT } from './timeline'

const base: Version = { id: 'v', name: null, kind: 'auto', createdAt: '', authors: [] }

describe('versionTitle', () => {
  it('shows a name only for a named version, otherwise the kind of save', () => {
    expect(versionTitle({ ...base, kind: 'named', name: 'Draft' })).toBe('Draft')
    expect(versionTitle(base)).toBe('Autosaved')
    expect(versionTitle({ ...base, kind: 'restore' })).toBe('Before restore')
    expect(versionTitle({ ...base, name: 'ignored' })).toBe('Autosaved')
  })
})

describe('versionAuthors', () => {
  it('renders any recorded author safely and lists each person once', () => {
    const people = versionAuthors([
      { name: 'Bob', color: '#3b82c4' },
      { name: '  Bob ', color: '#3B82C4' },
      { name: '', color: 'red;background:url(x)' },
    ])
    expect(people.map((p) => [p.name, p.color])).toEqual([
      ['Bob', '#3b82c4'],
      ['Anonymous', expect.stringMatching(/^#[0-9a-f]{6}$/)],
    ])
  })
})

describe('namesText', () => {
  it('joins names the way people write them', () => {
    expect(namesText([])).toBe('')
    expect(namesText(['Alice'])).toBe('Alice')
    expect(namesText(['Alice', 'Bob'])).toBe('Alice and Bob')
    expect(namesText(['Alice', 'Bob', 'Carol'])).toBe('Alice, Bob and Carol')
    expect(namesText(['A', 'B', 'C', 'D', 'E'])).toBe('A, B and 3 others')
  })
})

describe('labels', () => {
  const ms = new Date(2026, 10, 30, 14, 5).getTime()
  it('names the current document and versions with their time', () => {
    expect(entryLabel({ kind: 'current', id: CURRENT }, ms)).toBe('Current version')
    const version = { ...base, kind: 'named' as const, name: 'Draft' }
    expect(entryLabel({ kind: 'version', id: 'v', version, createdMs: ms }, ms, 'en-GB')).toMatch(
      /^Draft, Today, 14:05$/,
    )
    const authors = [
      { name: 'Alice', color: '#d94f4f' },
      { name: 'Bob', color: '#3b82c4' },
    ]
    expect(optionLabel({ ...version, authors }, ms, 'en-GB')).toBe('14:05, Draft, by Alice and Bob')
  })
})
