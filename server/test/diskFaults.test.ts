import { execFile, spawn } from 'node:child_process'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import * as decoding from 'lib0/decoding'
import { CloseCode, MessageType, decodeMessage } from '@tandem/shared'
import { serverMain } from '@tandem/testkit'
import { isEmptyUpdate } from '../src/rooms/updateValidation.js'
import { SqliteStore } from '../src/storage/sqlite/SqliteStore.js'
import {
  cleanupDirs,
  connect,
  createDocument,
  destroyClients,
  spawnServer,
  startServer,
  synced,
  tempDir,
  waitFor,
  type ServerProcess,
  type TestServer,
} from './helpers.js'

const run = promisify(execFile)
const MIB = 1024 * 1024

// Everything a test starts, stopped in this order after each test whatever happened: clients,
// servers, then the filesystems they wrote to (a busy mount cannot be unmounted).
const writers: Writer[] = []
const servers: TestServer[] = []
const processes: ServerProcess[] = []
const mounts: string[] = []

afterEach(async () => {
  for (const writer of writers.splice(0)) writer.destroy()
  destroyClients()
  await Promise.all(servers.splice(0).map((s) => s.close().catch(() => {})))
  await Promise.all(processes.splice(0).map((p) => p.kill('SIGKILL')))
  await unmountAll()
  await cleanupDirs()
})
afterAll(unmountAll)

async function start(env: Record<string, string>): Promise<TestServer> {
  const server = await startServer(env)
  servers.push(server)
  return server
}

/** Closes a server started by {@link start} (as SIGTERM would: commit, compact, close). */
async function stop(server: TestServer): Promise<void> {
  forget(servers, server)
  await server.close()
}

function forget<T>(list: T[], item: T): void {
  const at = list.indexOf(item)
  if (at >= 0) list.splice(at, 1)
}

async function spawned(env: Record<string, string>): Promise<ServerProcess> {
  const server = await spawnServer(env)
  processes.push(server)
  return server
}

/** A tmpfs of `bytes` of its own, so the test can fill it; unmounted by {@link unmountAll}. */
async function mountSmallDisk(bytes: number): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tandem-disk-'))
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir])
  } catch (error) {
    await fsp.rmdir(dir)
    throw error
  }
  mounts.push(dir)
  return dir
}

async function unmountAll(): Promise<void> {
  for (const dir of mounts.splice(0)) {
    // Lazily if something still holds a file open: the mount must not outlive the test.
    await run('umount', [dir]).catch(() => run('umount', ['-l', dir]))
    await fsp.rmdir(dir).catch(() => {})
  }
}

/** Why no filesystem can be mounted here, or undefined when one can. */
async function mountUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0)
    return 'mounting a small tmpfs needs root, and this runs as non-root'
  try {
    await mountSmallDisk(MIB)
    return undefined
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim()
    return `mount -t tmpfs failed (${stderr || String(error)})`
  } finally {
    await unmountAll()
  }
}

/** Writes a file until the filesystem has no byte left; returns its path. */
function fillDisk(dir: string): string {
  const file = path.join(dir, 'filler')
  const fd = fs.openSync(file, 'w')
  try {
    for (const chunk of [MIB, 4096, 1]) {
      const bytes = Buffer.alloc(chunk, 7)
      try {
        for (;;) fs.writeSync(fd, bytes)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
      }
    }
  } finally {
    fs.closeSync(fd)
  }
  return file
}

async function readyz(server: { http: string }): Promise<number> {
  return (await fetch(`${server.http}/readyz`)).status
}

/** One edit: its text, the connection it was typed on and how many sync messages it had sent. */
interface Edit {
  text: string
  connection: number
  after: number
}

/**
 * A stock y-websocket client (`?ack=1`) that keeps, per connection, the numbers of the sync
 * messages that carried writes and the highest saved-ack, so a test knows exactly which edits
 * the server acknowledged.
 */
class Writer {
  readonly doc = new Y.Doc()
  readonly text = this.doc.getText('t')
  readonly provider: WebsocketProvider
  readonly connections: { sent: number; writes: number[]; acked: number }[] = []
  readonly closeCodes: number[] = []

  constructor(ws: string, id: string) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const writer = this
    class TrackingSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols)
        writer.connections.push({ sent: 0, writes: [], acked: 0 })
      }
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      override send(data: Uint8Array, ...rest: any[]): void {
        const connection = writer.#current()
        if (data[0] === MessageType.sync) {
          connection.sent++
          const message = decodeMessage(data)
          if (
            (message.type === 'sync-step2' || message.type === 'sync-update') &&
            !isEmptyUpdate(message.update)
          ) {
            connection.writes.push(connection.sent)
          }
        }
        ;(super.send as (...args: unknown[]) => void)(data, ...rest)
      }
    }
    this.provider = new WebsocketProvider(ws, id, this.doc, {
      WebSocketPolyfill: TrackingSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
      params: { ack: '1' },
    })
    this.provider.messageHandlers[MessageType.saved] = (_encoder, decoder) => {
      this.#current().acked = decoding.readVarUint(decoder)
    }
    this.provider.on('connection-close', (event) => {
      if (event) this.closeCodes.push(event.code)
    })
    writers.push(this)
  }

  #current(): { sent: number; writes: number[]; acked: number } {
    const current = this.connections.at(-1)
    if (!current) throw new Error('no connection yet')
    return current
  }

  /** Appends `text`; the provider sends it at once when connected, else in its next sync step 2. */
  type(text: string): Edit {
    const connection = this.connections.length - 1
    const after = this.connections[connection]?.sent ?? 0
    this.text.insert(this.text.length, text)
    return { text, connection, after }
  }

  /**
   * True once a saved-ack covered a write that carried `edit`: the first write after it on its
   * connection, or the first write of a later connection (its sync step 2 carries everything the
   * server lacks). An ack covers every sync message of its connection up to its number.
   */
  acknowledged(edit: Edit): boolean {
    return this.connections.some((connection, i) => {
      if (i < edit.connection) return false
      const carrier = connection.writes.find((n) => i > edit.connection || n > edit.after)
      return carrier !== undefined && connection.acked >= carrier
    })
  }

  closes(code: number): number {
    return this.closeCodes.filter((c) => c === code).length
  }

  destroy(): void {
    forget(writers, this)
    this.provider.destroy()
    this.doc.destroy()
  }
}

const mountProblem = await mountUnavailable()
if (mountProblem) {
  console.log(`Skipping the full-disk tests: ${mountProblem}`)
  describe.skip(`a full disk (skipped: ${mountProblem})`, () => {
    test('needs a filesystem of its own to fill', () => {})
  })
} else {
  describe('a full disk', () => {
    test('commits fail unacknowledged, /readyz says 503, reads go on, and writing resumes when space returns', async () => {
      const disk = await mountSmallDisk(8 * MIB)
      const dataDir = path.join(disk, 'data')
      const server = await start({ DATA_DIR: dataDir })
      const id = await createDocument(server)
      const writer = new Writer(server.ws, id)
      const reader = connect(server.ws, id)
      await Promise.all([waitFor(() => writer.provider.synced), synced(reader)])
      const edits = [writer.type('saved before the disk filled. ')]
      await waitFor(() => writer.acknowledged(edits[0]!), { what: 'the first edit saved' })
      expect(await readyz(server)).toBe(200)

      const filler = fillDisk(disk)
      expect(fs.statfsSync(disk).bavail).toBe(0)
      // Edits go on; the first commit that needs space the disk no longer has fails. (A commit
      // may still fit where the WAL already has room, so type until one fails.)
      while (writer.closes(CloseCode.storageFailure) === 0) {
        if (edits.length > 100) throw new Error('no commit failed on a full disk')
        const edit = writer.type(`typed on a full disk ${edits.length}. `)
        edits.push(edit)
        await waitFor(
          () => writer.acknowledged(edit) || writer.closes(CloseCode.storageFailure) > 0,
          { what: 'the edit saved, or its writer closed with 4500' },
        )
      }
      const unsaved = edits.filter((edit) => !writer.acknowledged(edit))
      const saved = edits.filter((edit) => writer.acknowledged(edit))
      expect(unsaved.length).toBeGreaterThan(0)
      expect(await readyz(server)).toBe(503)

      // Reads go on: the content everyone saw stays, and a newcomer still syncs.
      const savedText = saved.map((edit) => edit.text).join('')
      const joiner = connect(server.ws, id)
      await synced(joiner)
      expect(joiner.text.toString()).toBe(savedText)
      expect(reader.text.toString()).toBe(savedText)

      // The client reconnects and resends by itself; while the disk stays full each attempt fails.
      await waitFor(() => writer.closes(CloseCode.storageFailure) >= 3, {
        what: 'two more attempts closed with 4500',
      })
      expect(unsaved.filter((edit) => writer.acknowledged(edit))).toEqual([])
      expect(reader.text.toString()).toBe(savedText)
      expect(await readyz(server)).toBe(503)

      await fsp.rm(filler)
      const freed = performance.now()
      await waitFor(() => unsaved.every((edit) => writer.acknowledged(edit)), {
        what: 'the edits saved once space returned',
      })
      const resumedMs = performance.now() - freed
      expect(await readyz(server)).toBe(200)
      await waitFor(() => reader.text.toString() === writer.text.toString(), {
        what: 'the saved edits relayed',
      })
      const last = writer.type('typed after space returned.')
      await waitFor(() => writer.acknowledged(last), { what: 'a new edit saved' })
      console.info(
        `full disk: ${unsaved.length} edit(s) refused over ${writer.closes(CloseCode.storageFailure)} ` +
          `attempts; saved ${resumedMs.toFixed(0)} ms after space returned`,
      )

      // Nothing acknowledged was lost: a new server on the same files has every saved edit.
      const everything = writer.text.toString()
      writer.destroy()
      destroyClients()
      await stop(server)
      const again = await start({ DATA_DIR: dataDir })
      const check = connect(again.ws, id)
      await synced(check)
      expect(check.text.toString()).toBe(everything)
      for (const edit of [...edits, last]) expect(check.text.toString()).toContain(edit.text)
    })

    test('restarted on a full disk: refuses clearly without room to open; else serves reads, not ready until space returns', async () => {
      const disk = await mountSmallDisk(8 * MIB)
      const dataDir = path.join(disk, 'data')
      const file = path.join(dataDir, 'tandem.db')
      const first = await start({ DATA_DIR: dataDir })
      const id = await createDocument(first)
      const a = new Writer(first.ws, id)
      await waitFor(() => a.provider.synced, { what: 'writer synced' })
      const older = a.type('x'.repeat(20_000))
      await waitFor(() => a.acknowledged(older), { what: 'the first edit saved' })
      a.destroy()
      await stop(first) // a clean stop: the WAL is copied into tandem.db and removed
      expect(fs.existsSync(`${file}-shm`)).toBe(false)

      // No room even for the WAL's index: the server says so, and starts once there is room.
      let filler = fillDisk(disk)
      await expect(start({ DATA_DIR: dataDir })).rejects.toThrow(
        `Tandem cannot open the database ${file}: its filesystem is full`,
      )
      await fsp.rm(filler)

      const second = await start({ DATA_DIR: dataDir })
      const b = new Writer(second.ws, id)
      await waitFor(() => b.provider.synced, { what: 'writer synced' })
      // Pages that are new to tandem.db, so copying the WAL back needs space too.
      const newer = b.type('y'.repeat(20_000))
      await waitFor(() => b.acknowledged(newer), { what: 'the second edit saved' })
      filler = fillDisk(disk)
      const refused = b.type('typed on a full disk')
      await waitFor(() => b.closes(CloseCode.storageFailure) > 0, { what: 'close 4500' })
      expect(b.acknowledged(refused)).toBe(false)
      b.destroy()
      await stop(second) // the WAL cannot be copied back: it stays, with a failed commit's tail
      expect(fs.existsSync(`${file}-wal`)).toBe(true)

      const third = await start({ DATA_DIR: dataDir })
      expect(await readyz(third)).toBe(503)
      const reader = connect(third.ws, id)
      await synced(reader)
      expect(reader.text.toString()).toBe(older.text + newer.text)
      await fsp.rm(filler)
      expect(await readyz(third)).toBe(200)
      const c = new Writer(third.ws, id)
      await waitFor(() => c.provider.synced, { what: 'writer synced' })
      const later = c.type('typed after space returned')
      await waitFor(() => c.acknowledged(later), { what: 'a new edit saved' })
      await waitFor(() => reader.text.toString().endsWith(later.text), { what: 'it relayed' })
    })
  })
}

/** How a server that was expected to refuse ended, with what it printed on each stream. */
interface Refusal {
  status: number | null
  stdout: string
  stderr: string
  /** True if it started serving instead of refusing (it was then killed). */
  served: boolean
}

/**
 * Runs the built server (`node server/dist/main.js`, as spawnServer does) and waits for it to
 * exit; one that starts listening instead is killed by its pid. (spawnServer interleaves the two
 * streams and quotes the exit status only in its error's message.)
 */
function runExpectingRefusal(env: Record<string, string>): Promise<Refusal> {
  const child = spawn(process.execPath, [serverMain], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  let served = false
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  const timer = setTimeout(stop, 15_000)
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    if (stdout.includes('"Tandem listening"')) {
      served = true
      stop()
    }
  })
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr, served })
    })
  })
}

/** What every refusal must say: the file, and both ways to recover. */
function expectRecoveryAdvice(refusal: Refusal, file: string): void {
  expect(refusal.served).toBe(false)
  expect(refusal.status).toBe(3)
  expect(refusal.stderr).toContain(`Tandem refuses to open the database ${file}`)
  expect(refusal.stderr).toContain('restore the latest backup')
  expect(refusal.stderr).toContain(`sqlite3 ${file} ".recover" | sqlite3`)
  const fatal = refusal.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string; file?: string })
    .find((record) => record.level === 60)
  expect(fatal).toMatchObject({ msg: 'the database is damaged; refusing to start', file })
}

/**
 * Zeroes one 512-byte sector in the middle of a table leaf page that is more than half full of
 * records, as a failing disk does; returns the page's number. (Less than a record's length could
 * land inside one record's bytes: its checksum catches that when the document loads.)
 */
function damagePage(file: string): number {
  const bytes = fs.readFileSync(file)
  const raw = bytes.readUInt16BE(16)
  const pageSize = raw === 1 ? 65536 : raw
  const full: number[] = []
  for (let page = 2; page <= bytes.length / pageSize; page++) {
    const at = (page - 1) * pageSize
    const tableLeaf = bytes[at] === 0x0d
    const contentStart = bytes.readUInt16BE(at + 5)
    if (tableLeaf && contentStart > 0 && contentStart < pageSize / 2 - 256) full.push(page)
  }
  const page = full[Math.floor(full.length / 2)]
  if (page === undefined) throw new Error(`no full table page among ${bytes.length / pageSize}`)
  const fd = fs.openSync(file, 'r+')
  fs.writeSync(fd, Buffer.alloc(512), 0, 512, (page - 1) * pageSize + pageSize / 2 - 256)
  fs.closeSync(fd)
  return page
}

/** A server with `count` edits, each acknowledged (its own commit), then killed with SIGKILL. */
async function killedAfterSavedEdits(
  count: number,
): Promise<{ dataDir: string; id: string; text: string }> {
  const dataDir = await tempDir()
  const server = await spawned({ DATA_DIR: dataDir })
  const id = await createDocument(server)
  const writer = new Writer(server.ws, id)
  await waitFor(() => writer.provider.synced, { what: 'writer synced' })
  for (let i = 0; i < count; i++) {
    const edit = writer.type(`line ${i}\n`)
    await waitFor(() => writer.acknowledged(edit), { what: `edit ${i} saved` })
  }
  expect(await server.kill('SIGKILL')).toBe('SIGKILL')
  const text = writer.text.toString()
  writer.destroy()
  return { dataDir, id, text }
}

function walGeometry(wal: string): { bytes: number; frameBytes: number; frames: number } {
  const bytes = fs.statSync(wal).size
  const header = Buffer.alloc(32)
  const fd = fs.openSync(wal, 'r')
  fs.readSync(fd, header, 0, 32, 0)
  fs.closeSync(fd)
  const frameBytes = 24 + header.readUInt32BE(8)
  return { bytes, frameBytes, frames: Math.floor((bytes - 32) / frameBytes) }
}

describe('a damaged database file', () => {
  test('a damaged page: the server refuses to start, says what is wrong and how to recover', async () => {
    const dataDir = await tempDir()
    const file = path.join(dataDir, 'tandem.db')
    // Several pages of records, written by the store itself and closed cleanly (no WAL left).
    const store = new SqliteStore({ file })
    await store.createDocument('doc', [])
    await Promise.all(
      Array.from({ length: 400 }, (_, i) => store.append('doc', Buffer.alloc(120, i % 251))),
    )
    await store.close()
    expect(fs.existsSync(`${file}-wal`)).toBe(false)
    const page = damagePage(file)

    const refusal = await runExpectingRefusal({ DATA_DIR: dataDir })
    expectRecoveryAdvice(refusal, file)
    expect(refusal.stderr).toContain('PRAGMA quick_check found damage')
    expect(refusal.stderr).toContain(`page ${page}`)
  })

  test('a WAL cut short inside committed transactions: refuses to start, instead of losing saved edits', async () => {
    const edits = 20
    const { dataDir } = await killedAfterSavedEdits(edits)
    const file = path.join(dataDir, 'tandem.db')
    const wal = `${file}-wal`
    // Cut in the middle of the last frame: the commit frame of the last acknowledged edit.
    const { frameBytes, frames } = walGeometry(wal)
    const cut = 32 + (frames - 1) * frameBytes + frameBytes / 2
    await fsp.truncate(wal, cut)

    // What SQLite's own recovery would do with these files: keep going, without saved edits.
    const copy = await tempDir()
    for (const name of ['tandem.db', 'tandem.db-wal']) {
      await fsp.copyFile(path.join(dataDir, name), path.join(copy, name))
    }
    const plain = new Database(path.join(copy, 'tandem.db'))
    const { n } = plain.prepare('SELECT count(*) AS n FROM updates').get() as { n: number }
    plain.close()
    expect(n).toBeLessThan(edits)

    const refusal = await runExpectingRefusal({ DATA_DIR: dataDir })
    expectRecoveryAdvice(refusal, file)
    expect(refusal.stderr).toContain(`its write-ahead log ${wal} is truncated`)
    expect(fs.statSync(wal).size).toBe(cut) // and it changed nothing
  })

  test('a torn frame after the last commit (a crash mid-write) is no damage: the server starts with every saved edit', async () => {
    const { dataDir, id, text } = await killedAfterSavedEdits(5)
    const wal = path.join(dataDir, 'tandem.db-wal')
    // The next transaction's first frame, cut short as a crash mid-append leaves it: its header
    // (page 2, not a commit, this WAL's salts) and half of its page.
    const { frameBytes } = walGeometry(wal)
    const salts = Buffer.alloc(8)
    const fd = fs.openSync(wal, 'r+')
    fs.readSync(fd, salts, 0, 8, 16)
    const header = Buffer.alloc(24)
    header.writeUInt32BE(2, 0)
    salts.copy(header, 8)
    fs.writeSync(
      fd,
      Buffer.concat([header, Buffer.alloc(frameBytes / 2 - 24, 9)]),
      0,
      undefined,
      fs.fstatSync(fd).size,
    )
    fs.closeSync(fd)
    expect((fs.statSync(wal).size - 32) % frameBytes).not.toBe(0)

    const server = await spawned({ DATA_DIR: dataDir })
    const reader = connect(server.ws, id)
    await synced(reader)
    expect(reader.text.toString()).toBe(text)
  })
})
