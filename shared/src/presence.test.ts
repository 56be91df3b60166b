import { describe, expect, it } from 'vitest'
import {
  ANONYMOUS_NAME,
  CSS_NAMED_COLORS,
  derivedColor,
  displayUser,
  MAX_PRESENCE_NAME_LENGTH,
  parseCssColor,
  parsePresenceUser,
  PRESENCE_COLORS,
  Role,
} from './presence.js'

/** Strings a hostile client could put in `user.color` or `user.name` to escape CSS or HTML. */
const HOSTILE = [
  'red;background:url(x)',
  '"><img src=x onerror=alert(1)>',
  'expression(alert(1))',
  'url(javascript:alert(1))',
  'red; }',
  "rgb(0,0,0)'",
  'rgb(0, 0, 0); color: red',
  'rgb(0 0 0) url(x)',
  'rgb(calc(1),0,0)',
  'rgb(var(--x),0,0)',
  'hsl(120 50% 50%) !important',
  '#f00;',
  '#f00\\',
  'red\\;',
  'r\\65 d',
  '{}',
  'var(--accent)',
  'color-mix(in srgb, red, blue)',
  'transparent',
  'currentcolor',
  'inherit',
  'constructor',
  '__proto__',
  '',
] as const

describe('parseCssColor', () => {
  it('accepts hex colours of every length and normalises them to lowercase #rrggbb', () => {
    expect(parseCssColor('#f00')).toBe('#ff0000')
    expect(parseCssColor('#F00A')).toBe('#ff0000')
    expect(parseCssColor('#12AbEf')).toBe('#12abef')
    expect(parseCssColor('#12abef80')).toBe('#12abef')
    expect(parseCssColor(' #0a0 ')).toBe('#00aa00')
    expect(parseCssColor('#12345')).toBeUndefined()
    expect(parseCssColor('#ggg')).toBeUndefined()
  })

  it('accepts rgb() and rgba() in legacy and modern syntax', () => {
    expect(parseCssColor('rgb(255, 0, 0)')).toBe('#ff0000')
    expect(parseCssColor('rgb(0, 128, 0)')).toBe('#008000')
    expect(parseCssColor('rgba(0,0,255,0.5)')).toBe('#0000ff')
    expect(parseCssColor('rgb(0 128 0 / 50%)')).toBe('#008000')
    expect(parseCssColor('RGB(100%, 50%, 0%)')).toBe('#ff8000')
    // Out-of-range channels are clamped, as CSS does.
    expect(parseCssColor('rgb(300, -5, 12.4)')).toBe('#ff000c')
  })

  it('accepts hsl() and hsla(), with or without deg', () => {
    expect(parseCssColor('hsl(120 50% 50%)')).toBe('#40bf40')
    expect(parseCssColor('hsl(120deg, 50%, 50%)')).toBe('#40bf40')
    expect(parseCssColor('hsla(0, 100%, 50%, 0.3)')).toBe('#ff0000')
    expect(parseCssColor('hsl(240 100% 50% / .5)')).toBe('#0000ff')
    expect(parseCssColor('hsl(-120 100% 50%)')).toBe('#0000ff')
    expect(parseCssColor('hsl(0 0% 100%)')).toBe('#ffffff')
  })

  it('accepts every CSS named colour in any case', () => {
    expect(parseCssColor('rebeccapurple')).toBe('#663399')
    expect(parseCssColor('RebeccaPurple')).toBe('#663399')
    expect(parseCssColor('red')).toBe('#ff0000')
    expect(parseCssColor('lightgoldenrodyellow')).toBe('#fafad2')
    expect(CSS_NAMED_COLORS.size).toBe(148)
    for (const [name, hex] of CSS_NAMED_COLORS) {
      expect(hex, name).toMatch(/^#[0-9a-f]{6}$/)
      expect(parseCssColor(name)).toBe(hex)
    }
  })

  it('rejects malformed colour functions', () => {
    for (const bad of [
      'rgb()',
      'rgb(1, 2)',
      'rgb(1 2 3 4)',
      'rgb(1, 2, 3, 4, 5)',
      'rgb(1, 2 / 3)',
      'rgb(1 2 3 / 4 / 5)',
      'rgb(10deg, 0, 0)',
      'hsl(50%, 50%, 50%)',
      'hsl(120 50deg 50%)',
      'rgb(1..2, 0, 0)',
      'rgb(1 2 3 / 4deg)',
      'rgb(0, 0, 0',
      'lab(50% 40 59)',
    ]) {
      expect(parseCssColor(bad), bad).toBeUndefined()
    }
  })

  it('rejects anything that could break out of a CSS value', () => {
    for (const hostile of HOSTILE) expect(parseCssColor(hostile), hostile).toBeUndefined()
    expect(parseCssColor(`#fff${' '.repeat(100)}`)).toBeUndefined()
    for (const notString of [undefined, null, 0xff0000, ['#f00'], { toString: () => '#f00' }]) {
      expect(parseCssColor(notString)).toBeUndefined()
    }
  })

  it('gives either nothing or a plain #rrggbb for any string, however it is mangled', () => {
    // Valid colours with random edits from the characters that matter in CSS and HTML.
    const bases = [
      '#f00',
      '#a1b2c3d4',
      'rgb(1, 2, 3)',
      'rgba(1 2 3 / 50%)',
      'hsl(9deg 8% 7%)',
      'tan',
    ]
    const alphabet = 'rgbhsla(),;:/\\"\'<>{}%. #09degurlx-+!'
    let seed = 7
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0
      return (seed >>> 8) % n
    }
    let accepted = 0
    let rejected = 0
    for (let i = 0; i < 5000; i++) {
      let value = bases[next(bases.length)]!
      for (let edits = next(4); edits > 0; edits--) {
        const at = next(value.length + 1)
        const char = alphabet[next(alphabet.length)]!
        const cut = next(3) // 0: insert, 1: replace, 2: delete
        value = value.slice(0, at) + (cut === 2 ? '' : char) + value.slice(at + (cut === 0 ? 0 : 1))
      }
      const color = parseCssColor(value)
      if (color === undefined) rejected++
      else accepted++
      expect(color === undefined || /^#[0-9a-f]{6}$/.test(color), value).toBe(true)
    }
    // Both outcomes were seen, so the check above was not vacuous.
    expect(accepted).toBeGreaterThan(500)
    expect(rejected).toBeGreaterThan(500)
  })
})

describe('derivedColor', () => {
  it('gives the same palette colour for the same client id, and neighbours differ', () => {
    for (const id of [0, 1, 7, 123_456_789, 2 ** 32 - 1]) {
      expect(PRESENCE_COLORS).toContain(derivedColor(id))
      expect(derivedColor(id)).toBe(derivedColor(id))
      expect(derivedColor(id + 1)).not.toBe(derivedColor(id))
    }
    expect(new Set(Array.from({ length: 100 }, (_, id) => derivedColor(id))).size).toBe(
      PRESENCE_COLORS.length,
    )
  })

  it('copes with ids that are not non-negative integers', () => {
    for (const id of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(PRESENCE_COLORS).toContain(derivedColor(id))
    }
  })
})

describe('displayUser', () => {
  it('keeps a stock client’s name and safe colour', () => {
    expect(displayUser({ name: 'Alice', color: '#f00' }, 1)).toEqual({
      name: 'Alice',
      color: '#ff0000',
      role: undefined,
    })
    expect(displayUser({ name: 'Carol', color: 'rgb(0, 128, 0)' }, 2).color).toBe('#008000')
    expect(displayUser({ name: 'Eve', color: 'hsl(120 50% 50%)' }, 3).color).toBe('#40bf40')
    expect(displayUser({ name: 'Fay', color: 'rebeccapurple' }, 4).color).toBe('#663399')
  })

  it('derives the colour from the client id when there is none', () => {
    expect(displayUser({ name: 'Dan' }, 42)).toEqual({
      name: 'Dan',
      color: derivedColor(42),
      role: undefined,
    })
    expect(displayUser({ name: 'Dan', color: null }, 43).color).toBe(derivedColor(43))
    expect(displayUser({ name: 'Dan', color: 0xff0000 }, 44).color).toBe(derivedColor(44))
  })

  it('replaces a hostile colour with the derived one and keeps a hostile name as plain text', () => {
    for (const color of HOSTILE) {
      expect(displayUser({ name: 'Mallory', color }, 99).color, color).toBe(derivedColor(99))
    }
    const hostileName = '"><img src=x onerror=alert(1)>'
    const shown = displayUser({ name: hostileName, color: 'red;background:url(x)' }, 7)
    // The name is data for textContent, never markup: it comes back as it was sent.
    expect(shown.name).toBe(hostileName)
    expect(shown.color).toBe(derivedColor(7))
    expect(displayUser({ name: 'x', color: 'expression(alert(1))' }, 8).color).toBe(derivedColor(8))
  })

  it('calls someone without a usable name Anonymous', () => {
    for (const user of [
      {},
      { name: '' },
      { name: '   ' },
      { name: '\u202e\u0000\n' },
      { name: 42 },
      { name: ['Alice'] },
      null,
      undefined,
      'Alice',
    ]) {
      expect(displayUser(user, 5).name, JSON.stringify(user)).toBe(ANONYMOUS_NAME)
    }
  })

  it('shortens a long name with an ellipsis, never splitting a character', () => {
    const long = 'A'.repeat(MAX_PRESENCE_NAME_LENGTH + 10)
    const shown = displayUser({ name: long }, 1).name
    expect(Array.from(shown)).toHaveLength(MAX_PRESENCE_NAME_LENGTH)
    expect(shown).toBe(`${'A'.repeat(MAX_PRESENCE_NAME_LENGTH - 1)}…`)

    const exact = 'B'.repeat(MAX_PRESENCE_NAME_LENGTH)
    expect(displayUser({ name: exact }, 1).name).toBe(exact)

    const emoji = '😀'.repeat(MAX_PRESENCE_NAME_LENGTH + 1)
    const cut = displayUser({ name: emoji }, 1).name
    expect(cut).toBe(`${'😀'.repeat(MAX_PRESENCE_NAME_LENGTH - 1)}…`)
    // No lone surrogate (the u flag reads a proper pair as one code point).
    expect(cut).not.toMatch(/\p{Cs}/u)
  })

  it('trims names and removes control and direction-override characters', () => {
    expect(displayUser({ name: '  Ann  ' }, 1).name).toBe('Ann')
    expect(displayUser({ name: 'Ann\nLee' }, 1).name).toBe('Ann Lee')
    expect(displayUser({ name: 'evil\u202eexe.txt' }, 1).name).toBe('evil exe.txt')
  })

  it('passes through only a known role', () => {
    expect(displayUser({ name: 'V', role: Role.view }, 1).role).toBe('view')
    expect(displayUser({ name: 'E', role: 'edit' }, 1).role).toBe('edit')
    expect(displayUser({ name: 'A', role: 'admin' }, 1).role).toBeUndefined()
  })
})

describe('parsePresenceUser', () => {
  it('still accepts only the web app’s own strict shape', () => {
    expect(parsePresenceUser({ name: ' Ann ', color: '#aabbcc' })).toEqual({
      name: 'Ann',
      color: '#aabbcc',
    })
    expect(parsePresenceUser({ name: 'Ann', color: '#abc' })).toBeUndefined()
    expect(parsePresenceUser({ name: 'Ann', color: 'red' })).toBeUndefined()
    expect(parsePresenceUser({ name: '', color: '#aabbcc' })).toBeUndefined()
  })
})
