import { describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import {
  ApiErrorCode,
  DocumentFields,
  type ApiError,
  type CreatedDocument,
  type RotatedLink,
} from '@tandem/shared'
import { connect, synced, useServers, type Client, type TestServer } from './helpers.js'

const server = useServers()

async function createWith(s: TestServer, body: unknown): Promise<CreatedDocument> {
  const res = await fetch(`${s.http}/api/docs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  expect(res.status).toBe(201)
  return (await res.json()) as CreatedDocument
}

function exported(s: TestServer, id: string, query: string): Promise<Response> {
  return fetch(`${s.http}/api/docs/${id}/export?${query}`)
}

/** A paragraph element as Tiptap's Collaboration writes one, holding `text`. */
function paragraph(text: string, attributes?: Record<string, unknown>): Y.XmlElement {
  const element = new Y.XmlElement('paragraph')
  const content = new Y.XmlText()
  content.insert(0, text, attributes)
  element.insert(0, [content])
  return element
}

async function expectError(res: Response, status: number, code: ApiErrorCode): Promise<ApiError> {
  expect(res.status).toBe(status)
  const body = (await res.json()) as ApiError
  expect(body.code).toBe(code)
  return body
}

describe('GET /api/docs/:id/export', () => {
  test('Markdown, HTML and text, with their content types and file names', async () => {
    const s = await server()
    const { id } = await createWith(s, {
      title: 'Quarterly plan',
      markdown: 'Some **bold** text.\n\n- one\n- two',
    })

    const md = await exported(s, id, 'format=md')
    expect(md.status).toBe(200)
    expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8')
    expect(md.headers.get('content-disposition')).toBe(
      `attachment; filename="Quarterly plan.md"; filename*=UTF-8''Quarterly%20plan.md`,
    )
    expect(md.headers.get('cache-control')).toBe('no-store')
    expect(await md.text()).toBe('# Quarterly plan\n\nSome **bold** text.\n\n- one\n- two\n')

    const html = await exported(s, id, 'format=html')
    expect(html.status).toBe(200)
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(html.headers.get('content-disposition')).toContain('filename="Quarterly plan.html"')
    const page = await html.text()
    expect(page).toMatch(/^<!doctype html>\n<html><head><meta charset="utf-8">/)
    expect(page).toContain('<title>Quarterly plan</title>')
    expect(page).toMatch(/<style>[^<]+<\/style><\/head>/)
    expect(page).toContain(
      '<main><h1>Quarterly plan</h1><p>Some <strong>bold</strong> text.</p><ul><li><p>one</p></li><li><p>two</p></li></ul></main>',
    )
    // Self-contained: nothing is fetched from elsewhere.
    expect(page).not.toMatch(/<script|<link|src=/)

    const txt = await exported(s, id, 'format=txt')
    expect(txt.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(txt.headers.get('content-disposition')).toContain('filename="Quarterly plan.txt"')
    expect(await txt.text()).toBe('Quarterly plan\n\nSome bold text.\n\none\n\ntwo\n')
  })

  test('without a title there is no heading, and the file is "Untitled"', async () => {
    const s = await server()
    const { id } = await createWith(s, { markdown: 'Just text.' })
    const md = await exported(s, id, 'format=md')
    expect(md.headers.get('content-disposition')).toBe(
      `attachment; filename="Untitled.md"; filename*=UTF-8''Untitled.md`,
    )
    expect(await md.text()).toBe('Just text.\n')
    const page = await (await exported(s, id, 'format=html')).text()
    expect(page).toContain('<title>Untitled</title>')
    expect(page).not.toContain('<h1>')
    // An empty document exports as an empty file.
    const empty = await createWith(s, {})
    expect(await (await exported(s, empty.id, 'format=md')).text()).toBe('\n')
    expect(await (await exported(s, empty.id, 'format=txt')).text()).toBe('\n')
  })

  test('file names: unsafe characters replaced, non-ASCII titles as RFC 5987 filename*', async () => {
    const s = await server()
    const cases: [string, string][] = [
      [
        'Grüße: Plan/Q3 "final"?',
        `attachment; filename="Gru_e- Plan-Q3 -final.md"; filename*=UTF-8''Gr%C3%BC%C3%9Fe-%20Plan-Q3%20-final.md`,
      ],
      [
        '日本語のメモ',
        `attachment; filename="______.md"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E%E3%81%AE%E3%83%A1%E3%83%A2.md`,
      ],
      ['../../etc/passwd', `attachment; filename="etc-passwd.md"; filename*=UTF-8''etc-passwd.md`],
      [
        "it's (draft) *",
        `attachment; filename="it's (draft).md"; filename*=UTF-8''it%27s%20%28draft%29.md`,
      ],
      ['...', `attachment; filename="Untitled.md"; filename*=UTF-8''Untitled.md`],
    ]
    for (const [title, disposition] of cases) {
      const { id } = await createWith(s, { title })
      const res = await exported(s, id, 'format=md')
      expect(res.headers.get('content-disposition'), title).toBe(disposition)
      // The title itself is exported unchanged, whatever the file is called.
      expect(await res.text()).toBe(`# ${title.replace(/[*]/g, '\\*')}\n`)
    }
  })

  test('exports what clients committed, live, and never changes the document', async () => {
    const s = await server()
    const { id } = await createWith(s, { title: 'Live' })
    const writer = connect(s.ws, id)
    await synced(writer)
    const fragment = writer.doc.getXmlFragment(DocumentFields.content)
    fragment.insert(0, [paragraph('typed'), paragraph('bold', { bold: true })])
    // An element the schema does not know: left out of the export, kept in the document.
    const unknown = new Y.XmlElement('mystery')
    unknown.insert(0, [new Y.XmlText('kept')])
    fragment.insert(fragment.length, [unknown])
    await expect
      .poll(async () => (await exported(s, id, 'format=md')).text())
      .toBe('# Live\n\ntyped\n\n**bold**\n')
    // Another client still receives everything, the unknown element included.
    const reader: Client = connect(s.ws, id)
    await synced(reader)
    expect(reader.doc.getXmlFragment(DocumentFields.content).toString()).toBe(fragment.toString())
    expect(reader.doc.getXmlFragment(DocumentFields.content).toString()).toContain(
      '<mystery>kept</mystery>',
    )
  })

  test('a javascript: link a client wrote directly never reaches an export', async () => {
    const s = await server()
    const { id } = await createWith(s, {})
    const writer = connect(s.ws, id)
    await synced(writer)
    const fragment = writer.doc.getXmlFragment(DocumentFields.content)
    fragment.insert(0, [
      paragraph('click me', { link: { href: 'javascript:alert(document.cookie)' } }),
      paragraph('fine', { link: { href: 'https://example.com/' } }),
    ])
    await expect
      .poll(async () => (await exported(s, id, 'format=md')).text())
      .toBe('click me\n\n[fine](https://example.com/)\n')
    const page = await (await exported(s, id, 'format=html')).text()
    expect(page).not.toMatch(/javascript/i)
    expect(page).toContain('href="https://example.com/"')
  })

  test('a title written with line breaks by another client exports as one line', async () => {
    const s = await server()
    const { id } = await createWith(s, { markdown: 'body' })
    const writer = connect(s.ws, id)
    await synced(writer)
    writer.doc.getText(DocumentFields.title).insert(0, 'Two\nlines\t here ')
    await expect
      .poll(async () => (await exported(s, id, 'format=md')).text())
      .toBe('# Two lines here\n\nbody\n')
    const res = await exported(s, id, 'format=html')
    expect(res.headers.get('content-disposition')).toContain('filename="Two lines here.html"')
    expect(await res.text()).toContain('<title>Two lines here</title>')
  })

  test('view links may export; unknown, rotated and malformed links may not', async () => {
    const s = await server()
    const { id, viewId } = await createWith(s, { title: 'Shared', markdown: 'text' })
    const byView = await exported(s, viewId, 'format=md')
    expect(byView.status).toBe(200)
    expect(await byView.text()).toBe('# Shared\n\ntext\n')

    const rotated = await fetch(`${s.http}/api/docs/${id}/links/view/rotate`, { method: 'POST' })
    const { id: newViewId } = (await rotated.json()) as RotatedLink
    await expectError(await exported(s, viewId, 'format=md'), 404, ApiErrorCode.notFound)
    expect((await exported(s, newViewId, 'format=md')).status).toBe(200)

    await expectError(await exported(s, 'A'.repeat(22), 'format=md'), 404, ApiErrorCode.notFound)
    await expectError(await exported(s, 'bad!', 'format=md'), 400, ApiErrorCode.malformedId)
  })

  test('format is required and must be md, html or txt', async () => {
    const s = await server()
    const { id } = await createWith(s, {})
    const missing = await expectError(await exported(s, id, ''), 400, ApiErrorCode.badRequest)
    expect(missing.message).toMatch(/format/)
    const wrong = await expectError(
      await exported(s, id, 'format=pdf'),
      400,
      ApiErrorCode.badRequest,
    )
    expect(wrong.message).toBe('querystring/format must be one of "md", "html", "txt"')
  })

  test('&version= exports that saved version', async () => {
    const s = await server()
    const { id } = await createWith(s, { title: 'Versioned', markdown: 'first draft' })
    const saved = await fetch(`${s.http}/api/docs/${id}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Draft' }),
    })
    expect(saved.status).toBe(201)
    const { id: versionId } = (await saved.json()) as { id: string }
    const writer = connect(s.ws, id)
    await synced(writer)
    writer.doc.getText(DocumentFields.title).insert(9, ' again')
    const fragment = writer.doc.getXmlFragment(DocumentFields.content)
    fragment.insert(fragment.length, [paragraph('second draft')])
    await expect
      .poll(async () => (await exported(s, id, 'format=md')).text())
      .toBe('# Versioned again\n\nfirst draft\n\nsecond draft\n')
    const old = await exported(s, id, `format=md&version=${versionId}`)
    expect(old.status).toBe(200)
    expect(old.headers.get('content-disposition')).toContain('filename="Versioned.md"')
    expect(await old.text()).toBe('# Versioned\n\nfirst draft\n')
    // A version of another document is not found through this one's link.
    const other = await createWith(s, {})
    await expectError(
      await exported(s, other.id, `format=md&version=${versionId}`),
      404,
      ApiErrorCode.notFound,
    )
  })

  test('a version: edit links only, and only versions of this document', async () => {
    const s = await server()
    const { id, viewId } = await createWith(s, { title: 'Versioned', markdown: 'first' })
    const forbidden = await expectError(
      await exported(s, viewId, 'format=md&version=abc'),
      403,
      ApiErrorCode.forbidden,
    )
    expect(forbidden.message).toMatch(/edit link/)
    await expectError(
      await exported(s, id, 'format=md&version=doesNotExist'),
      404,
      ApiErrorCode.notFound,
    )
    await expectError(
      await exported(s, id, 'format=md&version=not%20an%20id'),
      400,
      ApiErrorCode.badRequest,
    )
  })
})
