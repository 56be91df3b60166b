import { spawn } from 'node:child_process'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, test } from 'vitest'
import { serverMain } from '@tandem/testkit'
import { SqliteStore } from '../src/storage/sqlite/SqliteStore.js'
import { Writer, destroyWriters } from './ackingWriter.js'
import {
  cleanupDirs,
  connect,
  createDocument,
  destroyClients,
  spawnServer,
  synced,
  tempDir,
  waitFor,
  type ServerProcess,
} from './helpers.js'

// A database file damaged on disk: the server refuses to start rather than serve (or lose) part
// of what it saved, and says how to recover. (A full disk is diskFaults.test.ts.)

const processes: ServerProcess[] = []

afterEach(async () => {
  destroyWriters()
  destroyClients()
  await Promise.all(processes.splice(0).map((p) => p.kill('SIGKILL')))
  await cleanupDirs()
})

async function spawned(env: Record<string, string>): Promise<ServerProcess> {
  const server = await spawnServer(env)
  processes.push(server)
  return server
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
