import Fastify from 'fastify'
import { afterEach, expect, test } from 'vitest'
import { ExportFormat } from '@tandem/shared'
import { ConversionErrorCode, Converter, type ConverterOptions } from './Converter.js'

const converters: Converter[] = []
afterEach(async () => {
  await Promise.all(converters.splice(0).map((c) => c.close()))
})

function converter(options: Partial<ConverterOptions> = {}): Converter {
  // Fastify without a logger gives a logger that writes nothing.
  const c = new Converter({ log: Fastify().log, ...options })
  converters.push(c)
  return c
}

test('converts on its thread, both ways', async () => {
  const c = converter()
  const imported = await c.importDocument({ markdown: '# Title\n\nSome *text*' })
  expect(imported.title).toBe('Title')
  const exported = await c.exportDocument(imported.update, ExportFormat.markdown)
  expect(exported).toEqual({ title: 'Title', body: '# Title\n\nSome *text*\n' })
})

test('content that cannot be converted is `unconvertible`, and the thread carries on', async () => {
  const c = converter()
  await expect(c.importDocument({ markdown: `${'> '.repeat(100)}deep` })).rejects.toMatchObject({
    code: ConversionErrorCode.unconvertible,
    message: expect.stringMatching(/nested/),
  })
  expect((await c.importDocument({ markdown: 'fine' })).title).toBe('')
})

test('a conversion over the time limit is stopped; the next one gets a fresh thread', async () => {
  // Seconds of work against a limit a small conversion never comes near.
  const c = converter({ timeLimitMs: 2_000 })
  const huge = '- [ ] item with **bold** and a [link](https://example.com)\n'.repeat(40_000)
  const slow = c.importDocument({ markdown: huge })
  // Queued behind it, so it runs on the replacement thread.
  const next = c.importDocument({ markdown: '# Next' })
  await expect(slow).rejects.toMatchObject({ code: ConversionErrorCode.timedOut })
  expect((await next).title).toBe('Next')
})

test('too many waiting conversions are refused as `busy`; closing fails the rest', async () => {
  const c = converter({ maxQueued: 2 })
  const running = c.importDocument({ markdown: 'a' })
  const queued = [c.importDocument({ markdown: 'b' }), c.importDocument({ markdown: 'c' })]
  await expect(c.importDocument({ markdown: 'd' })).rejects.toMatchObject({
    code: ConversionErrorCode.busy,
  })
  const settled = Promise.allSettled([running, ...queued])
  await c.close()
  for (const result of await settled) {
    expect(result).toMatchObject({
      status: 'rejected',
      reason: { code: ConversionErrorCode.closed },
    })
  }
})
