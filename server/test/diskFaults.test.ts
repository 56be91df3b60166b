import { execFile } from 'node:child_process'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import { CloseCode } from '@tandem/shared'
import { Writer, destroyWriters } from './ackingWriter.js'
import {
  cleanupDirs,
  connect,
  createDocument,
  destroyClients,
  startServer,
  synced,
  waitFor,
  type TestServer,
} from './helpers.js'

const run = promisify(execFile)
const MIB = 1024 * 1024

// Everything a test starts, stopped in this order after each test whatever happened: clients,
// servers, then the filesystems they wrote to (a busy mount cannot be unmounted).
const servers: TestServer[] = []
const mounts: string[] = []

afterEach(async () => {
  destroyWriters()
  destroyClients()
  await Promise.all(servers.splice(0).map((s) => s.close().catch(() => {})))
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
