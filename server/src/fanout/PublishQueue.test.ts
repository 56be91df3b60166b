import { describe, expect, test } from 'vitest'
import { PublishQueue, type PublishQueueLimits } from './PublishQueue.js'
import type { FanOutLog } from './RedisConnection.js'

type Level = keyof FanOutLog

/** A logger that keeps each message by level. */
function recordingLog(): FanOutLog & { lines(level: Level): string[] } {
  const lines: { level: Level; msg: string }[] = []
  const at =
    (level: Level) =>
    (_obj: object, msg = ''): void => {
      lines.push({ level, msg })
    }
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    lines: (level) => lines.filter((l) => l.level === level).map((l) => l.msg),
  }
}

/** A queue over a fake connection whose PUBLISHes the test answers by hand. */
function queue(limits: Partial<PublishQueueLimits> = {}) {
  const sent: { channel: string; payload: string; answer(ok: boolean): void }[] = []
  const state = { up: true }
  const log = recordingLog()
  const q = new PublishQueue(
    { maxMessages: 10, maxBytes: 1_000, maxAgeMs: 60_000, maxInFlight: 2, ...limits },
    (channel, payload) =>
      new Promise((resolve, reject) =>
        sent.push({
          channel,
          payload: payload.toString(),
          answer: (ok) => (ok ? resolve(1) : reject(new Error('connection lost'))),
        }),
      ),
    () => state.up,
    log,
  )
  return { q, sent, state, log }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('publish queue', () => {
  test('sends in order, at most maxInFlight at a time', async () => {
    const { q, sent } = queue()
    for (let i = 0; i < 5; i++) expect(q.push('c', Buffer.from(`m${i}`))).toBe(true)
    expect(sent.map((s) => s.payload)).toEqual(['m0', 'm1'])
    expect(q.stats()).toMatchObject({ queued: 3, inFlight: 2 })
    sent[0]!.answer(true)
    sent[1]!.answer(false)
    await flush()
    expect(sent.map((s) => s.payload)).toEqual(['m0', 'm1', 'm2', 'm3'])
    expect(q.stats()).toMatchObject({ queued: 1, inFlight: 2, sent: 1, failed: 1 })
  })

  test('drops (and counts) what does not fit while the connection is down, logging once', async () => {
    const { q, sent, state, log } = queue({ maxMessages: 3, maxBytes: 10 })
    state.up = false
    for (let i = 0; i < 100; i++) q.push('c', Buffer.from('ab'))
    expect(q.stats()).toMatchObject({ queued: 3, queuedBytes: 6, dropped: 97 })
    expect(q.push('c', Buffer.from('x'.repeat(5)))).toBe(false)
    expect(log.lines('warn')).toHaveLength(1)
    expect(sent).toHaveLength(0)
    state.up = true
    q.pump()
    for (const s of sent) s.answer(true)
    await flush()
    for (const s of sent) s.answer(true)
    await flush()
    expect(q.stats()).toMatchObject({ queued: 0, inFlight: 0, sent: 3, dropped: 98 })
    expect(log.lines('info')).toEqual([expect.stringContaining('drained')])
    await q.idle()
  })

  test('messages that waited too long are dropped, not sent late', () => {
    const { q, sent, state } = queue({ maxAgeMs: 1_000 })
    state.up = false
    q.push('c', Buffer.from('old'))
    q.prune(performance.now() + 2_000)
    expect(q.stats()).toMatchObject({ queued: 0, dropped: 1 })
    state.up = true
    q.push('c', Buffer.from('new'))
    expect(sent.map((s) => s.payload)).toEqual(['new'])
  })
})
