import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { createClient } from 'redis'
import { RedisServer, redisSkipReason } from '../../test/redisServer.js'
import type { FanOutEvent, FanOutSubscriber } from './FanOut.js'
import { RedisFanOut, type FanOutLog, type RedisFanOutOptions } from './RedisFanOut.js'
import { documentChannel } from './redisWire.js'

/** Quick timings so outages are noticed and healed within a test's patience. */
const FAST = {
  heartbeatMs: 100,
  probeTimeoutMs: 500,
  connectTimeoutMs: 500,
  maxReconnectDelayMs: 100,
  instanceTimeoutMs: 600,
} satisfies Partial<RedisFanOutOptions>

/** Generous deadline for conditions polled across an outage. */
const POLL = { timeout: 15_000, interval: 20 }

/** A logger that keeps what it was told, by level. */
function recordingLog(): FanOutLog & { messages(level: keyof FanOutLog): string[] } {
  const lines: { level: keyof FanOutLog; msg: string }[] = []
  const at =
    (level: keyof FanOutLog) =>
    (_obj: object, msg = ''): void => {
      lines.push({ level, msg })
    }
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    messages: (level) => lines.filter((l) => l.level === level).map((l) => l.msg),
  }
}

/** A room stand-in that records what reaches it. */
class Recorder implements FanOutSubscriber {
  readonly events: { event: FanOutEvent; from: string }[] = []
  readonly gone: string[] = []
  receive(event: FanOutEvent, from: string): void {
    this.events.push({ event, from })
  }
  instanceGone(instance: string): void {
    this.gone.push(instance)
  }
  kinds(): string[] {
    return this.events.map((e) => e.event.kind)
  }
}

const skip = redisSkipReason()

describe.skipIf(skip)('RedisFanOut with a private redis-server', () => {
  let redis: RedisServer
  const fanouts: RedisFanOut[] = []
  let docs = 0
  const newDoc = (): string => `doc${++docs}`

  async function fanout(options: Partial<RedisFanOutOptions> = {}): Promise<RedisFanOut> {
    const log = options.log ?? recordingLog()
    const created = await RedisFanOut.connect({ url: redis.url, ...FAST, ...options, log })
    fanouts.push(created)
    return created
  }

  /** Subscribers on this Redis for a document's channel, asked with a client of the test's own. */
  async function listeners(docId: string): Promise<number> {
    const client = createClient({ url: redis.url })
    client.on('error', () => {})
    await client.connect()
    try {
      const counts = await client.pubSubNumSub(documentChannel('tandem', docId))
      return Object.values(counts)[0] ?? 0
    } finally {
      client.destroy()
    }
  }

  beforeAll(async () => {
    redis = await RedisServer.start()
  })

  afterEach(async () => {
    // A failed test may leave the server paused or dead: the next one needs it running.
    redis.resume()
    await Promise.all(fanouts.splice(0).map((f) => f.close()))
    if (!redis.running) await redis.restart()
  })

  afterAll(async () => {
    await redis?.dispose()
  })

  test('each kind of event reaches the other instance, with its sender, and never its own', async () => {
    const [a, b] = await Promise.all([fanout(), fanout()])
    expect(a.healthy && b.healthy).toBe(true)
    expect(a.instanceId).not.toBe(b.instanceId)
    const doc = newDoc()
    const atA = new Recorder()
    const atB = new Recorder()
    await Promise.all([a.subscribe(doc, atA).ready, b.subscribe(doc, atB).ready])
    const events: FanOutEvent[] = [
      { kind: 'updates', updates: [{ seq: 1, data: Uint8Array.of(1, 2, 3) }] },
      { kind: 'awareness', update: Uint8Array.of(4, 5) },
      { kind: 'awareness-query' },
      { kind: 'links-revoked', tokens: ['tok-one', 'tok_two'] },
      { kind: 'deleted' },
    ]
    for (const event of events) a.publish(doc, event)
    await expect.poll(() => atB.events.length, POLL).toBe(events.length)
    expect(atB.events).toEqual(events.map((event) => ({ event, from: a.instanceId })))
    // Redis delivers in order: once A hears B's reply, its own messages would have come first.
    b.publish(doc, { kind: 'awareness-query' })
    await expect.poll(() => atA.events.length, POLL).toBe(1)
    expect(atA.events).toEqual([{ event: { kind: 'awareness-query' }, from: b.instanceId }])
    expect(a.stats()).toMatchObject({ received: 1, dropped: 0, malformed: 0 })
  })

  test('binary updates keep their seqs and bytes; large ones arrive as seqs only', async () => {
    const [a, b] = await Promise.all([fanout({ maxInlineBytes: 64 * 1024 }), fanout()])
    const doc = newDoc()
    const atB = new Recorder()
    await b.subscribe(doc, atB).ready
    const every = Uint8Array.from({ length: 256 }, (_, i) => i)
    const small: FanOutEvent = {
      kind: 'updates',
      updates: [
        { seq: 41, data: every },
        { seq: 42, data: new Uint8Array(0) },
        { seq: 2 ** 40, data: Uint8Array.of(0, 0, 0) },
      ],
    }
    const large = new Uint8Array(70 * 1024).map((_, i) => i * 7)
    a.publish(doc, small)
    a.publish(doc, { kind: 'updates', updates: [{ seq: 43, data: large }] })
    a.publish(doc, { kind: 'awareness', update: every })
    await expect.poll(() => atB.events.length, POLL).toBe(3)
    expect(atB.events[0]!.event).toEqual(small)
    expect(atB.events[1]!.event).toEqual({ kind: 'updates', updates: [{ seq: 43 }] })
    expect(atB.events[2]!.event).toEqual({ kind: 'awareness', update: every })
  })

  test('ready means subscribed: an event published right after it arrives', async () => {
    const [a, b] = await Promise.all([fanout(), fanout()])
    for (let i = 0; i < 5; i++) {
      const doc = newDoc()
      const atB = new Recorder()
      await b.subscribe(doc, atB).ready
      expect(await listeners(doc)).toBe(1)
      a.publish(doc, { kind: 'deleted' })
      await expect.poll(() => atB.kinds(), POLL).toEqual(['deleted'])
    }
  })

  test('several subscribers per document; Redis unsubscribes when the last one closes', async () => {
    const [a, b] = await Promise.all([fanout(), fanout()])
    const doc = newDoc()
    const first = new Recorder()
    const second = new Recorder()
    const one = b.subscribe(doc, first)
    const two = b.subscribe(doc, second)
    await Promise.all([one.ready, two.ready])
    a.publish(doc, { kind: 'awareness-query' })
    await expect.poll(() => [first.events.length, second.events.length], POLL).toEqual([1, 1])
    one.close()
    one.close()
    a.publish(doc, { kind: 'deleted' })
    await expect.poll(() => second.kinds(), POLL).toEqual(['awareness-query', 'deleted'])
    expect(first.kinds()).toEqual(['awareness-query'])
    expect(await listeners(doc)).toBe(1)
    two.close()
    await expect.poll(() => listeners(doc), POLL).toBe(0)
    expect(b.stats().documents).toBe(0)
    // And it can come back.
    const again = new Recorder()
    await b.subscribe(doc, again).ready
    a.publish(doc, { kind: 'deleted' })
    await expect.poll(() => again.kinds(), POLL).toEqual(['deleted'])
  })

  test('a message it cannot read is counted and skipped; delivery goes on', async () => {
    const [a, b] = await Promise.all([fanout(), fanout()])
    const doc = newDoc()
    const atB = new Recorder()
    await b.subscribe(doc, atB).ready
    const client = createClient({ url: redis.url })
    client.on('error', () => {})
    await client.connect()
    try {
      await client.publish(documentChannel('tandem', doc), Buffer.from([1, 2, 3]))
      await client.publish(documentChannel('tandem', doc), Buffer.alloc(40, 0xff))
    } finally {
      client.destroy()
    }
    a.publish(doc, { kind: 'deleted' })
    await expect.poll(() => atB.kinds(), POLL).toEqual(['deleted'])
    expect(b.stats().malformed).toBe(2)
  })

  test('an instance that closes is reported gone to every subscriber elsewhere', async () => {
    const [a, b] = await Promise.all([fanout(), fanout()])
    const [doc1, doc2] = [newDoc(), newDoc()]
    const rooms = [new Recorder(), new Recorder()]
    await Promise.all([a.subscribe(doc1, rooms[0]!).ready, a.subscribe(doc2, rooms[1]!).ready])
    b.publish(doc1, { kind: 'awareness', update: Uint8Array.of(1) })
    await expect.poll(() => rooms[0]!.events.length, POLL).toBe(1)
    await b.close()
    await expect
      .poll(() => rooms.map((r) => r.gone), POLL)
      .toEqual([[b.instanceId], [b.instanceId]])
    expect(a.stats().instancesGone).toBe(1)
  })

  test('an instance that falls silent is reported gone; one that keeps beating is not', async () => {
    const log = recordingLog()
    const [a, b] = await Promise.all([fanout({ log }), fanout()])
    // It says hello once (on connecting), then never again: as if it hung.
    const silent = await fanout({ heartbeatMs: 3_600_000 })
    const doc = newDoc()
    const room = new Recorder()
    await a.subscribe(doc, room).ready
    silent.publish(doc, { kind: 'awareness', update: Uint8Array.of(1) })
    b.publish(doc, { kind: 'awareness', update: Uint8Array.of(2) })
    await expect.poll(() => room.events.length, POLL).toBe(2)
    await expect.poll(() => room.gone, POLL).toEqual([silent.instanceId])
    expect(room.gone).not.toContain(b.instanceId)
    expect(a.stats().instances).toBe(1)
    expect(log.messages('info')).toContain('redis fan-out: instance gone; forgetting its presence')
  })

  test('killed Redis: unhealthy, publish neither throws nor blocks; restarted, it heals by itself', async () => {
    const log = recordingLog()
    const [a, b] = await Promise.all([fanout({ log, maxQueuedMessages: 1_000 }), fanout()])
    const before = newDoc()
    const atB = new Recorder()
    await b.subscribe(before, atB).ready

    await redis.kill()
    await expect.poll(() => [a.healthy, b.healthy], POLL).toEqual([false, false])
    expect(log.messages('warn')).toContain('redis fan-out: connection lost; reconnecting')
    let turnEnded = false
    queueMicrotask(() => (turnEnded = true))
    const settled = (x: ReturnType<typeof a.stats>) => x.dropped + x.sent + x.failed
    const start = a.stats()
    for (let i = 0; i < 5_000; i++) {
      expect(a.publish(before, { kind: 'awareness', update: Uint8Array.of(i % 256) })).toBe(
        undefined,
      )
    }
    expect(turnEnded).toBe(false)
    // Bounded: at most the queue's 1,000 wait. The publisher connection can still look ready for a
    // moment after the subscriber's noticed the kill (health needs both): up to the in-flight
    // limit (256) may have gone out to fail. Everything else was dropped at once.
    const stats = a.stats()
    expect(stats.queued).toBeLessThanOrEqual(1_000)
    expect(stats.inFlight).toBeLessThanOrEqual(256)
    expect(
      stats.queued +
        stats.inFlight +
        settled(stats) -
        settled(start) -
        start.queued -
        start.inFlight,
    ).toBe(5_000)
    expect(stats.dropped - start.dropped).toBeGreaterThanOrEqual(5_000 - 1_000 - 256)
    // A room loading now gets on with it: ready does not wait for Redis.
    const during = newDoc()
    const late = new Recorder()
    await b.subscribe(during, late).ready

    await redis.restart()
    await expect.poll(() => [a.healthy, b.healthy], POLL).toEqual([true, true])
    expect(log.messages('info')).toContain('redis fan-out: connected again')
    // node-redis resubscribed what Redis had confirmed before it reported ready.
    expect(await listeners(before)).toBe(1)
    // Both the subscription from before (restored by node-redis) and the one made during the
    // outage (sent once connected) deliver again; poll until the resubscriptions are through.
    const marker: FanOutEvent = { kind: 'links-revoked', tokens: ['after'] }
    await expect
      .poll(() => {
        a.publish(before, marker)
        a.publish(during, marker)
        return [atB, late].map((r) => r.events.some((e) => e.event.kind === 'links-revoked'))
      }, POLL)
      .toEqual([true, true])
  })

  test('paused Redis: publish returns at once, the queue stays bounded, and it recovers', async () => {
    const [a, b] = await Promise.all([fanout({ maxQueuedMessages: 1_000 }), fanout()])
    const doc = newDoc()
    const atB = new Recorder()
    await b.subscribe(doc, atB).ready

    redis.pause()
    // A room loading now is not held up until Redis answers again.
    await b.subscribe(newDoc(), new Recorder()).ready
    let turnEnded = false
    queueMicrotask(() => (turnEnded = true))
    for (let i = 0; i < 1_000; i++) {
      expect(a.publish(doc, { kind: 'awareness', update: Uint8Array.of(1) })).toBe(undefined)
    }
    // All of them returned within one turn of the event loop: nothing waited for Redis.
    expect(turnEnded).toBe(false)
    await expect.poll(() => [a.healthy, b.healthy], POLL).toEqual([false, false])
    for (let i = 0; i < 20_000; i++) a.publish(doc, { kind: 'awareness', update: Uint8Array.of(2) })
    const stats = a.stats()
    expect(stats.queued).toBeLessThanOrEqual(1_000)
    expect(stats.queued + stats.inFlight + stats.dropped + stats.sent + stats.failed).toBe(21_000)
    expect(stats.dropped).toBeGreaterThanOrEqual(19_000)

    redis.resume()
    await expect.poll(() => [a.healthy, b.healthy], POLL).toEqual([true, true])
    await expect
      .poll(() => {
        a.publish(doc, { kind: 'deleted' })
        return atB.kinds().includes('deleted')
      }, POLL)
      .toBe(true)
  })

  test('connect() returns while Redis is down, and connects once it is up', async () => {
    await redis.kill()
    const log = recordingLog()
    const late = await fanout({ log, connectWaitMs: 100 })
    expect(late.healthy).toBe(false)
    expect(log.messages('warn')).toContain(
      'redis fan-out: Redis not reachable yet; starting anyway and polling the store until it is',
    )
    const doc = newDoc()
    const room = new Recorder()
    await late.subscribe(doc, room).ready
    await redis.restart()
    await expect.poll(() => late.healthy, POLL).toBe(true)
    const other = await fanout()
    await expect
      .poll(() => {
        other.publish(doc, { kind: 'deleted' })
        return room.events.length > 0
      }, POLL)
      .toBe(true)
  })

  test('after close(), publish and subscribe are harmless no-ops', async () => {
    const a = await fanout()
    await a.close()
    await a.close()
    expect(a.healthy).toBe(false)
    a.publish('x', { kind: 'deleted' })
    const sub = a.subscribe('x', new Recorder())
    await sub.ready
    sub.close()
  })
})
