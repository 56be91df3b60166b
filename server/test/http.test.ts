import fs from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'
import { connect, createDocument, synced, tempDir, useServers } from './helpers.js'
import { spawnServer } from './process.js'

const server = useServers()

describe('document API', () => {
  test('POST /api/docs creates an unguessable id; GET returns its metadata', async () => {
    const s = await server()
    const res = await fetch(`${s.http}/api/docs`, { method: 'POST' })
    expect(res.status).toBe(201)
    const body = (await res.json()) as { id: string; url: string }
    expect(body.id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(body.url).toBe(`/d/${body.id}`)
    const other = await createDocument(s)
    expect(other).not.toBe(body.id)

    const c = connect(s.ws, body.id)
    await synced(c)
    c.text.insert(0, 'some bytes')
    await expect
      .poll(async () => {
        const meta = (await (await fetch(`${s.http}/api/docs/${body.id}`)).json()) as {
          sizeBytes: number
        }
        return meta.sizeBytes
      })
      .toBeGreaterThan(0)
    const meta = (await (await fetch(`${s.http}/api/docs/${body.id}`)).json()) as Record<
      string,
      unknown
    >
    expect(meta).toMatchObject({ id: body.id, role: 'edit' })
    expect(Date.parse(meta.updatedAt as string)).not.toBeNaN()
  })

  test('unknown ids get 404 and malformed ids 400, with a message', async () => {
    const s = await server()
    const missing = await fetch(`${s.http}/api/docs/AAAAAAAAAAAAAAAAAAAAAA`)
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ message: 'No such document' })
    const bad = await fetch(`${s.http}/api/docs/${encodeURIComponent('no spaces!')}`)
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ message: 'Malformed document id' })
    const nothing = await fetch(`${s.http}/api/nothing`)
    expect(nothing.status).toBe(404)
  })
})

describe('operations endpoints', () => {
  test('/healthz, /readyz and /metrics answer', async () => {
    const s = await server()
    expect((await fetch(`${s.http}/healthz`)).status).toBe(200)
    expect(await (await fetch(`${s.http}/readyz`)).json()).toEqual({ status: 'ready' })
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
