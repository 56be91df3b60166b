import { describe, expect, test } from 'vitest'
import { exportFileName, uniqueFileName } from './exportFiles.js'

describe('exportFileName', () => {
  test.each([
    ['Quarterly plan', 'md', 'Quarterly plan.md'],
    ['  spaced   out  ', 'md', 'spaced out.md'],
    ['a/b\\c:d*e?f"g<h>i|j', 'txt', 'a-b-c-d-e-f-g-h-i-j.txt'],
    ['line\nbreak\ttab', 'md', 'line break tab.md'],
    ['../../etc/passwd', 'md', 'etc-passwd.md'],
    ['trailing dots...', 'html', 'trailing dots.html'],
    ['', 'md', 'Untitled.md'],
    ['   ', 'md', 'Untitled.md'],
    ['???', 'md', 'Untitled.md'],
    ['CON', 'md', 'CON-.md'],
    ['Grüße 日本語', 'md', 'Grüße 日本語.md'],
  ])('%j → %s', (title, extension, expected) => {
    expect(exportFileName(title, extension)).toBe(expected)
  })

  test('long titles are cut at 100 characters without splitting one', () => {
    const name = exportFileName('😀'.repeat(150), 'md')
    expect(Array.from(name)).toHaveLength(103)
    expect(name.endsWith('😀.md')).toBe(true)
  })
})

describe('uniqueFileName', () => {
  test('numbers repeats, ignoring case', () => {
    const taken = new Set<string>()
    expect(uniqueFileName('Plan.md', taken)).toBe('Plan.md')
    expect(uniqueFileName('plan.md', taken)).toBe('plan (2).md')
    expect(uniqueFileName('Plan.md', taken)).toBe('Plan (3).md')
    expect(uniqueFileName('Other.md', taken)).toBe('Other.md')
  })
})
