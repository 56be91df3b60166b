import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import {
  ApiErrorCode,
  DocumentFields,
  MAX_IMPORT_SOURCE_BYTES,
  type ApiError,
  type CreatedDocument,
} from '@tandem/shared'
import type { DocumentStore } from '../src/storage/DocumentStore.js'
import { MemoryStore } from '../src/storage/MemoryStore.js'
import { connect, startServer, synced, useServers, type TestServer } from './helpers.js'
import {
  knownDifferences,
  normalizeMarkdown,
  notReimportable,
  roundTrips,
} from './markdownCorpus.js'

const server = useServers()

/** `POST /api/docs` with a JSON body; returns the response. */
function create(s: TestServer, body: unknown): Promise<Response> {
  return fetch(`${s.http}/api/docs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

/** Creates a document with `body` (expecting 201) and returns its links. */
async function imported(s: TestServer, body: unknown): Promise<CreatedDocument> {
  const res = await create(s, body)
  expect(res.status, await res.clone().text()).toBe(201)
  return (await res.json()) as CreatedDocument
}

async function exportMarkdown(s: TestServer, id: string): Promise<string> {
  const res = await fetch(`${s.http}/api/docs/${id}/export?format=md`)
  expect(res.status).toBe(200)
  return res.text()
}

/** What a stock y-websocket client receives for document `id`: title and rich text as XML. */
async function received(s: TestServer, id: string): Promise<{ title: string; xml: string }> {
  const client = connect(s.ws, id)
  await synced(client)
  const title = client.doc.getText(DocumentFields.title).toString()
  const xml = client.doc.getXmlFragment(DocumentFields.content).toString()
  client.destroy()
  return { title, xml }
}

/** A memory store that counts the documents created in it (to prove a refusal created none). */
function countingStore(): { created: () => number; createStore: () => DocumentStore } {
  let created = 0
  return {
    created: () => created,
    createStore: () => {
      const store = new MemoryStore()
      const createDocument = store.createDocument.bind(store)
      store.createDocument = (...args) => {
        created++
        return createDocument(...args)
      }
      return store
    },
  }
}

describe('Markdown round trip (import, then export)', () => {
  // One server for the whole corpus: each case is a document of its own.
  // Its data directory is its own: the file's afterEach removes those made by tempDir().
  let s: TestServer
  let dataDir: string
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tandem-corpus-'))
    s = await startServer({ DATA_DIR: dataDir })
  })
  afterAll(async () => {
    await s.close()
    await fs.rm(dataDir, { recursive: true, force: true })
  })

  async function roundTrip(markdown: string): Promise<string> {
    const { id } = await imported(s, { markdown })
    return normalizeMarkdown(await exportMarkdown(s, id))
  }

  test.each(roundTrips)('$name', async ({ markdown }) => {
    expect(await roundTrip(markdown)).toBe(normalizeMarkdown(markdown))
  })

  test.each(knownDifferences)('known difference: $name', async ({ markdown, exported }) => {
    expect(await roundTrip(markdown)).toBe(exported)
  })

  test.each(notReimportable)('not re-importable: $name', async ({ markdown, exported }) => {
    expect(await roundTrip(markdown)).toBe(exported)
  })
})

describe('POST /api/docs with content', () => {
  test('the content reaches every client once, as the first stored update', async () => {
    const { created, createStore } = countingStore()
    let appended = 0
    const s = await server(
      {},
      {
        createStore: () => {
          const store = createStore()
          const append = store.append.bind(store)
          store.append = (...args) => {
            appended++
            return append(...args)
          }
          return store
        },
      },
    )
    const { id, viewId } = await imported(s, { markdown: '# Plan\n\nHello **world**' })
    expect(created()).toBe(1)
    expect(appended).toBe(1)
    // Two people open it at once, one through the view link: each sees it once.
    const [a, b] = await Promise.all([received(s, id), received(s, viewId)])
    for (const seen of [a, b]) {
      expect(seen.title).toBe('Plan')
      expect(seen.xml).toBe('<paragraph>Hello <bold>world</bold></paragraph>')
    }
    expect(appended).toBe(1)
  })

  test('a leading level-1 heading is the title unless a title is given', async () => {
    const s = await server()
    const taken = await imported(s, { markdown: '# From heading\n\nBody' })
    expect(await received(s, taken.id)).toEqual({
      title: 'From heading',
      xml: '<paragraph>Body</paragraph>',
    })
    const given = await imported(s, { title: 'Given', markdown: '# Heading\n\nBody' })
    expect(await received(s, given.id)).toEqual({
      title: 'Given',
      xml: '<heading level="1">Heading</heading><paragraph>Body</paragraph>',
    })
    const html = await imported(s, { html: '<h1>Page <em>title</em></h1><p>Text</p>' })
    expect((await received(s, html.id)).title).toBe('Page title')
  })

  test('a title alone, or an empty body, makes an empty document as before', async () => {
    const s = await server()
    const titled = await imported(s, { title: '  Just a title  ' })
    expect(await received(s, titled.id)).toEqual({ title: 'Just a title', xml: '' })
    for (const body of [{}, { markdown: '' }, { html: '   ' }]) {
      const { id } = await imported(s, body)
      expect(await received(s, id)).toEqual({ title: '', xml: '' })
    }
    const none = await fetch(`${s.http}/api/docs`, { method: 'POST' })
    expect(none.status).toBe(201)
  })

  test('HTML: whole pages, lists, tasks and code keep their structure', async () => {
    const s = await server()
    const { id } = await imported(s, {
      html: `<!doctype html><html><head><title>Ignored</title><style>p { color: red }</style></head>
        <body><h1>Notes</h1><p>Some <strong>bold</strong> and <a href="https://example.com">a link</a>.</p>
        <ul><li><p>one</p><ul><li><p>nested</p></li></ul></li></ul>
        <ul data-type="taskList"><li data-type="taskItem" data-checked="true"><label><input type="checkbox" checked></label><div><p>done</p></div></li></ul>
        <pre><code class="language-js">let x = 1</code></pre><h4>Deep</h4></body></html>`,
    })
    expect(normalizeMarkdown(await exportMarkdown(s, id))).toBe(
      [
        '# Notes',
        '',
        'Some **bold** and [a link](https://example.com).',
        '',
        '- one',
        '  - nested',
        '',
        '- [x] done',
        '',
        '```js',
        'let x = 1',
        '```',
        '',
        'Deep',
      ].join('\n'),
    )
  })
})

describe('sanitising imported content', () => {
  test('HTML: <script> never reaches the document', async () => {
    const s = await server()
    const { id } = await imported(s, {
      html: '<p>before</p><script>alert("x")</script><p>after<script>document.cookie</script></p>',
    })
    const { xml } = await received(s, id)
    expect(xml).toBe('<paragraph>before</paragraph><paragraph>after</paragraph>')
    expect(xml).not.toMatch(/script|alert|cookie/)
  })

  test('HTML: event handlers (onerror=, onclick=…) never reach the document', async () => {
    const s = await server()
    const { id } = await imported(s, {
      html: '<p onclick="steal()">Hi <img src="x" onerror="alert(1)"><b onmouseover="steal()">there</b><svg onload="alert(2)"></svg></p>',
    })
    const { xml } = await received(s, id)
    expect(xml).toBe('<paragraph>Hi <bold>there</bold></paragraph>')
    expect(xml).not.toMatch(/onerror|onclick|onmouseover|onload|alert|steal/)
    const html = await (await fetch(`${s.http}/api/docs/${id}/export?format=html`)).text()
    expect(html).not.toMatch(/onerror|onclick|onmouseover|onload|alert|steal/)
  })

  test('HTML: javascript: and data: links become plain text', async () => {
    const s = await server()
    const { id } = await imported(s, {
      html: [
        '<p><a href="javascript:alert(1)">one</a>',
        '<a href=" JaVaScRiPt:alert(2)">two</a>',
        '<a href="java&#x09;script:alert(3)">three</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==">four</a>',
        '<a href="vbscript:msgbox(5)">five</a>',
        '<a href="https://ok.example/">ok</a></p>',
      ].join(' '),
    })
    const { xml } = await received(s, id)
    expect(xml).not.toMatch(/javascript|data:|vbscript/i)
    expect(xml).toContain('one two three four five')
    expect(xml).toContain('href="https://ok.example/"')
  })

  test('Markdown: javascript: and data: links become plain text, raw HTML stays text', async () => {
    const s = await server()
    const { id } = await imported(s, {
      markdown: [
        '[one](javascript:alert(1)) [two](JAVASCRIPT:alert(2)) [three](data:text/html,<script>alert(3)</script>)',
        '![four](javascript:alert(4)) [ok](https://ok.example/)',
        '',
        '<script>alert(5)</script>',
        '',
        '<img src=x onerror="alert(6)">',
      ].join('\n'),
    })
    const { xml } = await received(s, id)
    expect(xml).not.toMatch(/href="(javascript|data)/i)
    expect(xml).toContain('href="https://ok.example/"')
    // Raw HTML in Markdown is text for people to read, escaped wherever it is rendered.
    const html = await (await fetch(`${s.http}/api/docs/${id}/export?format=html`)).text()
    expect(html).not.toMatch(/<script>|<img|href="(javascript|data)/i)
    expect(html).toContain('&lt;script&gt;alert(5)&lt;/script&gt;')
  })
})

describe('refused imports create nothing', () => {
  async function expectRefused(res: Response, status: number, code: ApiErrorCode): Promise<string> {
    expect(res.status).toBe(status)
    const body = (await res.json()) as ApiError
    expect(body.code).toBe(code)
    return body.message
  }

  test(`a source over ${MAX_IMPORT_SOURCE_BYTES} bytes is 413`, async () => {
    const { created, createStore } = countingStore()
    const s = await server({}, { createStore })
    const markdown = 'é'.repeat(MAX_IMPORT_SOURCE_BYTES / 2) + 'x'
    const message = await expectRefused(await create(s, { markdown }), 413, ApiErrorCode.tooLarge)
    expect(message).toMatch(/larger than 2 MiB/)
    expect(created()).toBe(0)
  })

  test('a body over the route limit is 413 before it is read whole', async () => {
    const { created, createStore } = countingStore()
    const s = await server({}, { createStore })
    const res = await create(s, { html: 'x'.repeat(7 * 1024 * 1024) })
    await expectRefused(res, 413, ApiErrorCode.tooLarge)
    expect(created()).toBe(0)
  })

  test('content larger than the document size limit is 413', async () => {
    const { created, createStore } = countingStore()
    const s = await server({ MAX_DOCUMENT_BYTES: '4096' }, { createStore })
    const res = await create(s, { markdown: 'A sentence of text. '.repeat(500) })
    const message = await expectRefused(res, 413, ApiErrorCode.tooLarge)
    expect(message).toMatch(/size limit/)
    expect(created()).toBe(0)
  })

  test('content nested too deeply is 400', async () => {
    const { created, createStore } = countingStore()
    const s = await server({}, { createStore })
    const deepQuotes = `${'> '.repeat(200)}deep`
    const message = await expectRefused(
      await create(s, { markdown: deepQuotes }),
      400,
      ApiErrorCode.badRequest,
    )
    expect(message).toMatch(/nested/)
    const deepHtml = `${'<blockquote>'.repeat(300)}deep`
    await expectRefused(await create(s, { html: deepHtml }), 400, ApiErrorCode.badRequest)
    expect(created()).toBe(0)
  })

  test('both markdown and html, a wrong type, a long title or bad JSON are 400', async () => {
    const { created, createStore } = countingStore()
    const s = await server({}, { createStore })
    const both = await expectRefused(
      await create(s, { markdown: 'a', html: '<p>a</p>' }),
      400,
      ApiErrorCode.badRequest,
    )
    expect(both).toMatch(/either markdown or html/)
    // (Fastify coerces scalars to strings; an object cannot be.)
    await expectRefused(await create(s, { markdown: { text: 'a' } }), 400, ApiErrorCode.badRequest)
    await expectRefused(await create(s, { title: 'x'.repeat(201) }), 400, ApiErrorCode.badRequest)
    const notJson = await fetch(`${s.http}/api/docs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"markdown": ',
    })
    await expectRefused(notJson, 400, ApiErrorCode.badRequest)
    expect(created()).toBe(0)
  })
})

test('an imported document is an ordinary document: edits merge on top', async () => {
  const s = await server()
  const { id } = await imported(s, { markdown: 'first' })
  const client = connect(s.ws, id)
  await synced(client)
  const fragment = client.doc.getXmlFragment(DocumentFields.content)
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.insert(0, [new Y.XmlText('second')])
  fragment.insert(fragment.length, [paragraph])
  await expect.poll(() => exportMarkdown(s, id)).toBe('first\n\nsecond\n')
})
