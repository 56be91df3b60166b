import { describe, expect, test } from 'vitest'
import { StoreError } from './errors.js'
import { GroupCommitQueue, type PendingAppend } from './groupCommit.js'

const bytes = (n: number) => new Uint8Array([n])

describe('GroupCommitQueue', () => {
  test('appends of one turn go to storage as one batch; later turns make new batches', async () => {
    const batches: number[][] = []
    let seq = 0
    const queue = new GroupCommitQueue((batch) => {
      batches.push(batch.map((item) => item.data[0] ?? -1))
      return batch.map(() => ++seq)
    })
    const first = await Promise.all([1, 2, 3].map((n) => queue.append('d', bytes(n))))
    const second = await queue.append('d', bytes(4))
    expect(batches).toEqual([[1, 2, 3], [4]])
    expect(first).toEqual([1, 2, 3])
    expect(second).toBe(4)
  })

  test('a failed batch rejects every append in it with commit-failed, and only those', async () => {
    let fail = true
    const queue = new GroupCommitQueue((batch) => {
      if (fail) throw new Error('disk full')
      return batch.map((_, i) => i + 1)
    })
    const failed = await Promise.allSettled([
      queue.append('d', bytes(1)),
      queue.append('e', bytes(2)),
    ])
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    for (const result of failed) {
      const reason = (result as PromiseRejectedResult).reason as unknown
      expect(reason).toBeInstanceOf(StoreError)
      expect((reason as StoreError).code).toBe('commit-failed')
    }
    fail = false
    await expect(queue.append('d', bytes(3))).resolves.toBe(1)
  })

  test('a store error keeps its code (closed stays closed)', async () => {
    const queue = new GroupCommitQueue(() => {
      throw new StoreError('closed', 'store is closed')
    })
    await expect(queue.append('d', bytes(1))).rejects.toMatchObject({ code: 'closed' })
  })

  test('batches are not serialised: a new one starts while an earlier one is committing', async () => {
    const started: number[][] = []
    const finish: (() => void)[] = []
    const queue = new GroupCommitQueue(
      (batch: readonly PendingAppend[]) =>
        new Promise<number[]>((resolve) => {
          started.push(batch.map((item) => item.data[0] ?? -1))
          finish.push(() => resolve(batch.map((item) => item.data[0] ?? -1)))
        }),
    )
    const a = queue.append('d', bytes(1))
    await expect.poll(() => started.length).toBe(1)
    const b = queue.append('d', bytes(2))
    await expect.poll(() => started.length).toBe(2)
    for (const done of finish) done()
    expect(await Promise.all([a, b])).toEqual([1, 2])
  })

  test('flush waits for every batch started before it', async () => {
    let release: (() => void) | undefined
    const queue = new GroupCommitQueue(
      (batch) =>
        new Promise<number[]>((resolve) => {
          release = () => resolve(batch.map(() => 1))
        }),
    )
    let committed = false
    void queue.append('d', bytes(1)).then(() => (committed = true))
    const flushed = queue.flush()
    await expect.poll(() => release !== undefined).toBe(true)
    release?.()
    await flushed
    expect(committed).toBe(true)
  })
})
