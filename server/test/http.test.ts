import fs from 'node:fs/promises'
import { STATUS_CODES } from 'node:http'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import {
  ApiErrorCode,
  apiErrorStatus,
  type ApiError,
  type CreatedDocument,
  type DocumentInfo,
  type RotatedLink,
} from '@tandem/shared'
import { ConfigError, loadConfig } from '../src/config.js'
import type { DocumentStore } from '../src/storage/DocumentStore.js'
import { MemoryStore } from '../src/storage/MemoryStore.js'
import { StoreError, StoreErrorCode } from '../src/storage/errors.js'
import { connect, createDocument, synced, tempDir, useServers } from './helpers.js'
import { spawnServer } from './process.js'

const server = useServers()

describe('document API', () => {
  test('POST /api/docs creates an unguessable id; GET returns its metadata', async () => {
    const s = await server()
    const res = await fetch(`${s.http}/api/docs`, { method: 'POST' })
    expect(res.status).toBe(201)
    const body = (await res.json()) as CreatedDocument
    expect(Object.keys(body).sort()).toEqual(['id', 'url', 'viewId', 'viewUrl'])
    expect(body.id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(body.url).toBe(`/d/${body.id}`)
    expect(body.viewId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(body.viewUrl).toBe(`/d/${body.viewId}`)
    const other = await createDocument(s)
    expect(other).not.toBe(body.id)

    const c = connect(s.ws, body.id)
    await synced(c)
    c.text.insert(0, 'some bytes')
    await expect
      .poll(async () => {
        const meta = (await (await fetch(`${s.http}/api/docs/${body.id}`)).json()) as DocumentInfo
        return meta.sizeBytes
      })
      .toBeGreaterThan(0)
    const info = await fetch(`${s.http}/api/docs/${body.id}`)
    expect(info.status).toBe(200)
    const meta = (await info.json()) as DocumentInfo
    expect(Object.keys(meta).sort()).toEqual([
      'createdAt',
      'id',
      'links',
      'role',
      'sizeBytes',
      'updatedAt',
    ])
    expect(meta).toMatchObject({
      id: body.id,
      role: 'edit',
      links: { edit: body.id, view: body.viewId },
    })
    expect(Number.isInteger(meta.sizeBytes)).toBe(true)
    expect(new Date(meta.createdAt).toISOString()).toBe(meta.createdAt)
    expect(new Date(meta.updatedAt).toISOString()).toBe(meta.updatedAt)
  })

  test('POST /api/docs takes no body or an empty JSON object', async () => {
    const s = await server()
    const bodies: RequestInit[] = [
      {},
      { headers: { 'content-type': 'application/json' }, body: '{}' },
      { headers: { 'content-type': 'application/json; charset=utf-8' }, body: ' {} ' },
    ]
    for (const init of bodies) {
      const res = await fetch(`${s.http}/api/docs`, { method: 'POST', ...init })
      expect(res.status).toBe(201)
      expect(Object.keys((await res.json()) as object).sort()).toEqual([
        'id',
        'url',
        'viewId',
        'viewUrl',
      ])
    }
  })

  test('a rotated link is answered with exactly role, id and url', async () => {
    const s = await server()
    const doc = (await (
      await fetch(`${s.http}/api/docs`, { method: 'POST' })
    ).json()) as CreatedDocument
    const res = await fetch(`${s.http}/api/docs/${doc.id}/links/view/rotate`, { method: 'POST' })
    expect(res.status).toBe(200)
    const rotated = (await res.json()) as RotatedLink
    expect(Object.keys(rotated).sort()).toEqual(['id', 'role', 'url'])
    expect(rotated).toEqual({ role: 'view', id: rotated.id, url: `/d/${rotated.id}` })
    expect(rotated.id).not.toBe(doc.viewId)
  })
})

describe('API errors: {statusCode, error, message, code}', () => {
  test('malformed ids, unknown documents and view links rotating', async () => {
    const s = await server()
    const doc = (await (
      await fetch(`${s.http}/api/docs`, { method: 'POST' })
    ).json()) as CreatedDocument
    const malformed = encodeURIComponent('no spaces!')
    const unknown = 'AAAAAAAAAAAAAAAAAAAAAA'

    const bad = await apiError(
      await fetch(`${s.http}/api/docs/${malformed}`),
      ApiErrorCode.malformedId,
    )
    expect(bad.message).toBe('Malformed document id')
    await apiError(
      await fetch(`${s.http}/api/docs/${malformed}/links/view/rotate`, { method: 'POST' }),
      ApiErrorCode.malformedId,
    )
    const missing = await apiError(
      await fetch(`${s.http}/api/docs/${unknown}`),
      ApiErrorCode.notFound,
    )
    expect(missing.message).toBe('No such document')
    await apiError(
      await fetch(`${s.http}/api/docs/${unknown}/links/edit/rotate`, { method: 'POST' }),
      ApiErrorCode.notFound,
    )
    const byViewer = await apiError(
      await fetch(`${s.http}/api/docs/${doc.viewId}/links/edit/rotate`, { method: 'POST' }),
      ApiErrorCode.forbidden,
    )
    expect(byViewer.message).toMatch(/edit link/)
    // The view link still works: a refused rotation changed nothing.
    expect((await fetch(`${s.http}/api/docs/${doc.viewId}`)).status).toBe(200)
  })

  test('a role other than edit or view is a bad request naming the roles', async () => {
    const s = await server()
    const id = await createDocument(s)
    const res = await fetch(`${s.http}/api/docs/${id}/links/owner/rotate`, { method: 'POST' })
    const body = await apiError(res, ApiErrorCode.badRequest)
    expect(body.message).toContain('"edit", "view"')
  })

  test('unknown /api routes and methods are no-route, without the link in the message', async () => {
    const s = await server()
    const id = await createDocument(s)
    for (const [method, path] of [
      ['GET', '/api/nothing'],
      ['GET', '/api'],
      ['DELETE', `/api/docs/${id}`],
      ['GET', `/api/docs/${id}/links?x=${id}`],
    ] as const) {
      const body = await apiError(await fetch(`${s.http}${path}`, { method }), ApiErrorCode.noRoute)
      expect(body.message).toMatch(new RegExp(`^No route ${method} /api`))
      expect(body.message).not.toContain(id)
    }
  })

  test('bodies that are not JSON objects are refused with a useful message', async () => {
    const s = await server()
    const post = (body: string, type = 'application/json'): Promise<Response> =>
      fetch(`${s.http}/api/docs`, { method: 'POST', headers: { 'content-type': type }, body })
    const invalid = await apiError(await post('{"title": '), ApiErrorCode.badRequest)
    expect(invalid.message).toMatch(/JSON/)
    const notObject = await apiError(await post('["a"]'), ApiErrorCode.badRequest)
    expect(notObject.message).toMatch(/body must be object/)
    // Fastify's rule: a JSON content type needs a body (send none, or `{}`).
    const empty = await apiError(await post(''), ApiErrorCode.badRequest)
    expect(empty.message).toMatch(/empty/)
    await apiError(await post('<doc/>', 'application/xml'), ApiErrorCode.unsupportedMediaType)
    // POST /api/docs reads up to 6 MiB (an import's source, escaped as JSON); other routes 1 MiB.
    await apiError(await post(`"${'x'.repeat(7 * 1024 * 1024)}"`), ApiErrorCode.tooLarge)
  })

  test('past the rate limit, API routes and unknown /api paths answer rate-limited', async () => {
    const s = await server({ API_RATE_LIMIT_PER_MINUTE: '2' })
    const id = await createDocument(s)
    expect((await fetch(`${s.http}/api/docs/${id}`)).status).toBe(200)
    const limited = await fetch(`${s.http}/api/docs/${id}`)
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/)
    const body = await apiError(limited, ApiErrorCode.rateLimited)
    expect(body.message).toMatch(/2 requests per minute/)
    await apiError(await fetch(`${s.http}/api/nothing`), ApiErrorCode.rateLimited)
    // Operations endpoints are not part of the API's budget.
    expect((await fetch(`${s.http}/healthz`)).status).toBe(200)
  })

  test('a store that is down or failing its commits is unavailable (503); other failures are 500 and say nothing', async () => {
    let failure: Error = new StoreError(StoreErrorCode.unavailable, 'connection refused to db:5432')
    const s = await server(
      {},
      {
        createStore: (hooks) => failing(new MemoryStore(hooks), 'resolveLink', () => failure),
      },
    )
    const id = await createDocument(s)
    const down = await apiError(await fetch(`${s.http}/api/docs/${id}`), ApiErrorCode.unavailable)
    expect(down.message).not.toContain('5432')
    failure = new StoreError(StoreErrorCode.closed, 'store closed')
    await apiError(await fetch(`${s.http}/api/docs/${id}`), ApiErrorCode.unavailable)
    // A full disk: the write was not stored, and trying again later can work.
    failure = new StoreError(
      StoreErrorCode.commitFailed,
      'SQLITE_FULL at /var/lib/tandem/tandem.db',
    )
    const full = await apiError(await fetch(`${s.http}/api/docs/${id}`), ApiErrorCode.unavailable)
    expect(full.message).not.toContain('tandem.db')
    for (failure of [new TypeError("Cannot read properties of undefined (reading 'tandem.db')")]) {
      const res = await fetch(`${s.http}/api/docs/${id}/links/view/rotate`, { method: 'POST' })
      const body = await apiError(res, ApiErrorCode.internal)
      expect(body.message).toBe('Internal server error')
    }
  })

  test('creating retries with fresh ids when a generated one already exists', async () => {
    let collisions = 1
    const s = await server(
      {},
      {
        createStore: (hooks) =>
          failing(new MemoryStore(hooks), 'createDocument', () =>
            collisions-- > 0 ? new StoreError(StoreErrorCode.exists, 'exists') : undefined,
          ),
      },
    )
    const id = await createDocument(s)
    expect((await fetch(`${s.http}/api/docs/${id}`)).status).toBe(200)
    expect(collisions).toBe(-1)
  })
})

/**
 * Checks that `res` is an API error with `code`: its status, JSON body with exactly
 * statusCode/error/message/code, Fastify's reason phrase; returns the body.
 */
async function apiError(res: Response, code: ApiErrorCode): Promise<ApiError> {
  const status = apiErrorStatus[code]
  expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({
    status,
    type: expect.stringMatching(/^application\/json/),
  })
  const body = (await res.json()) as ApiError
  expect(Object.keys(body).sort()).toEqual(['code', 'error', 'message', 'statusCode'])
  expect(body).toMatchObject({ statusCode: status, error: STATUS_CODES[status], code })
  expect(body.message).not.toBe('')
  return body
}

/** `store` with `method` throwing what `error()` returns, when it returns something. */
function failing<K extends keyof DocumentStore>(
  store: DocumentStore,
  method: K,
  error: () => Error | undefined,
): DocumentStore {
  const original = (store[method] as (...args: unknown[]) => unknown).bind(store)
  return Object.assign(store, {
    [method]: async (...args: unknown[]) => {
      const thrown = error()
      if (thrown) throw thrown
      return original(...args)
    },
  })
}

describe('operations endpoints', () => {
  test('/healthz, /readyz and /metrics answer', async () => {
    const s = await server()
    const health = await fetch(`${s.http}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })
    const ready = await fetch(`${s.http}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready' })
    const metrics = await (await fetch(`${s.http}/metrics`)).text()
    for (const name of [
      'tandem_connections',
      'tandem_rooms_loaded',
      'tandem_updates_in_total',
      'tandem_updates_out_total',
      'tandem_bytes_in_total',
      'tandem_commit_duration_seconds_bucket',
      'tandem_quarantined_records_total',
    ]) {
      expect(metrics).toContain(name)
    }
  })

  test('/metrics carries the process and runtime metrics dashboards expect, by their usual names', async () => {
    const s = await server()
    const metrics = await (await fetch(`${s.http}/metrics`)).text()
    const value = (name: string) =>
      Number(
        metrics
          .split('\n')
          .find((line) => line.startsWith(`${name} `))
          ?.split(' ')[1],
      )
    expect(value('process_cpu_seconds_total')).toBeGreaterThan(0)
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024)
    expect(value('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0)
    expect(value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0)
    expect(metrics).toContain('# TYPE nodejs_gc_duration_seconds histogram')
    expect(metrics).toContain('# TYPE nodejs_eventloop_lag_p99_seconds gauge')
  })
})

describe('web app', () => {
  test('app routes fall back to index.html; assets are served as files', async () => {
    const web = await tempDir()
    await fs.mkdir(path.join(web, 'assets'))
    await fs.writeFile(path.join(web, 'index.html'), '<!doctype html><title>app shell</title>')
    await fs.writeFile(path.join(web, 'assets', 'app-123.js'), 'console.log(1)')
    const s = await server({ WEB_DIR: web })
    const page = await fetch(`${s.http}/d/AAAAAAAAAAAAAAAAAAAAAA`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('app shell')
    expect(page.headers.get('cache-control')).toBe('no-cache')
    const asset = await fetch(`${s.http}/assets/app-123.js`)
    expect(asset.status).toBe(200)
    expect(asset.headers.get('cache-control')).toContain('immutable')
    expect((await fetch(`${s.http}/assets/missing.js`)).status).toBe(404)
  })

  test('without a built web app a placeholder page explains how to build it', async () => {
    const s = await server()
    const page = await fetch(`${s.http}/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('pnpm build')
  })
})

describe('configuration', () => {
  test('invalid values fail fast with the variable named', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError)
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/)
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/)
    expect(() => loadConfig({ ALLOW_CREATE_ON_CONNECT: 'maybe' })).toThrow(/ALLOW_CREATE/)
    expect(() => loadConfig({ MAX_MESSAGE_BYTES: '2048', MAX_DOCUMENT_BYTES: '4096' })).toThrow(
      /MAX_MESSAGE_BYTES/,
    )
  })

  test('DATA_DIR defaults to <repo>/data whatever the working directory', () => {
    const config = loadConfig({})
    const repo = path.resolve(import.meta.dirname, '..', '..')
    expect(config.dataDir).toBe(path.join(repo, 'data'))
    expect(config.webDir).toBe(path.join(repo, 'web', 'dist'))
  })

  test('the server process refuses to start on a bad variable, saying which', async () => {
    await expect(spawnServer({ PORT: 'nope' })).rejects.toThrow(/PORT must be/)
  })
})

test('links never appear in request logs', async () => {
  const dataDir = await tempDir()
  const proc = await spawnServer({ DATA_DIR: dataDir, LOG_LEVEL: 'debug' })
  let out = ''
  proc.child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  try {
    const id = await createDocument(proc)
    await fetch(`${proc.http}/api/docs/${id}`)
    await fetch(`${proc.http}/d/${id}`)
    const c = connect(proc.ws, id)
    await synced(c)
    c.destroy()
    await expect.poll(() => out.includes('/api/docs/:id') && out.includes('/sync/:id')).toBe(true)
    expect(out).not.toContain(id)
  } finally {
    proc.child.kill('SIGKILL')
    await proc.exited
  }
})
