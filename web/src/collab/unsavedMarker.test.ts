import { describe, expect, it } from 'vitest'
import { unsavedMarker, type UnsavedInputs } from './unsavedMarker'

/** Online, visible, nothing edited, everything saved; override what a test needs. */
function marker(overrides: Partial<UnsavedInputs>): boolean | undefined {
  return unsavedMarker({
    editedHere: false,
    allSaved: true,
    online: true,
    unattended: false,
    ...overrides,
  })
}

describe('unsavedMarker', () => {
  it('clears once the server has confirmed everything on a live connection', () => {
    expect(marker({})).toBe(false)
    expect(marker({ editedHere: true, unattended: true })).toBe(false)
  })

  it('is left alone while typing online in a visible page', () => {
    expect(marker({ editedHere: true, allSaved: false })).toBeUndefined()
  })

  it('is set for unconfirmed edits made here when no confirmation may follow', () => {
    expect(marker({ editedHere: true, allSaved: false, online: false })).toBe(true)
    expect(marker({ editedHere: true, allSaved: false, unattended: true })).toBe(true)
  })

  it('is never set by a copy merely loaded from this device', () => {
    expect(marker({ allSaved: false, online: false })).toBeUndefined()
    expect(marker({ allSaved: false, unattended: true })).toBeUndefined()
  })

  it('is left alone offline with nothing pending (what was saved may be older news)', () => {
    expect(marker({ online: false })).toBeUndefined()
  })
})
