import { describe, expect, test } from 'vitest'
import { InstanceLiveness } from './InstanceLiveness.js'

describe('instance liveness', () => {
  test('an instance silent past the timeout is gone once; one still heard is not', () => {
    const gone: string[] = []
    const liveness = new InstanceLiveness(1_000, (instance) => gone.push(instance))
    liveness.heard('a', 0)
    liveness.heard('b', 0)
    liveness.sweep(900, true)
    liveness.heard('b', 900)
    liveness.sweep(1_001, true)
    expect(gone).toEqual(['a'])
    liveness.sweep(5_000, true)
    liveness.sweep(6_000, true)
    expect(gone).toEqual(['a', 'b'])
    expect(liveness.known.size).toBe(0)
  })

  test('a goodbye reports at once, and only for an instance it knew', () => {
    const gone: string[] = []
    const liveness = new InstanceLiveness(1_000, (instance) => gone.push(instance))
    liveness.heard('a', 0)
    liveness.bye('a')
    liveness.bye('a')
    liveness.bye('never-heard')
    expect(gone).toEqual(['a'])
  })

  test('while this instance cannot listen, silence proves nothing: everyone gets a fresh window', () => {
    const gone: string[] = []
    const liveness = new InstanceLiveness(1_000, (instance) => gone.push(instance))
    liveness.heard('a', 0)
    liveness.sweep(500, false)
    liveness.sweep(60_000, false)
    liveness.sweep(60_001, true)
    liveness.sweep(61_000, true)
    expect(gone).toEqual([])
    liveness.sweep(61_002, true)
    expect(gone).toEqual(['a'])
  })
})
