// Checks the write-ahead log before SQLite opens the database. SQLite's own recovery keeps the
// frames up to the last intact commit frame and silently drops everything after it, so a WAL cut
// short (or damaged) inside committed transactions would lose saved edits without a word.
//
// A torn tail is also what a legitimate crash leaves: the process killed between the writes of
// one frame, a power cut during an append, a full disk refusing part of a frame. Those tails only
// ever belong to a transaction that had not committed (with synchronous=FULL a commit is fsynced
// before anyone is told), so the file alone cannot tell them from damage. What can is the
// wal-index (the -shm file): SQLite updates it only after a commit's frames are written and
// fsynced (with synchronous=FULL, which every Tandem connection sets), and it names the last
// committed frame (mxFrame) and the WAL generation (the salts). After a process crash it is
// exact; after a power cut it is at worst older, never newer. So: when the wal-index and the
// WAL are of the same generation and the WAL no longer holds every frame the index says was
// committed, history is missing and we refuse; anything after that frame is an unfinished
// transaction and SQLite drops it, as it should. Without a usable wal-index (deleted, or zeroed
// by a power cut) the tail is accepted, as SQLite would accept it.
//
// Formats: https://www.sqlite.org/fileformat2.html#walformat and the WalIndexHdr of wal.c.
import fs from 'node:fs'
import os from 'node:os'
import { DamagedDatabaseError } from './DamagedDatabaseError.js'

const WAL_MAGIC = 0x377f0682
const WAL_VERSION = 3007000
const WAL_HEADER_BYTES = 32
const FRAME_HEADER_BYTES = 24
/** Two copies of the 48-byte WalIndexHdr, then WalCkptInfo (nBackfill first). */
const INDEX_HEADER_BYTES = 48
const INDEX_BYTES_READ = 2 * INDEX_HEADER_BYTES + 4
const NATIVE_BIG_ENDIAN = os.endianness() === 'BE'

/** What the wal-index (-shm) says about the WAL, when its header is intact. */
interface WalIndex {
  /** Frames 1..mxFrame hold committed transactions. */
  mxFrame: number
  /** Frames 1..nBackfill are already copied into the database file. */
  nBackfill: number
  /** The WAL generation (salt-1, salt-2 as stored in the WAL header). */
  salts: Buffer
}

/** The WAL as SQLite's recovery reads it. */
type WalScan =
  | { kind: 'empty' }
  | { kind: 'bad-header'; bytes: number }
  | {
      kind: 'frames'
      bytes: number
      pageSize: number
      salts: Buffer
      /** Frames SQLite would keep: through the last commit frame of the intact chain. */
      committed: number
      /** Frames in the intact chain (salts match, checksums verify). */
      intact: number
    }

/**
 * Throws {@link DamagedDatabaseError} if `dbFile`'s WAL is missing frames that its wal-index says
 * were committed (truncated, or damaged inside committed transactions); reads only.
 */
export function checkWal(dbFile: string): void {
  // The index first: while another process writes, the WAL only grows after the index is read.
  const index = readWalIndex(`${dbFile}-shm`)
  if (!index || index.mxFrame === 0) return
  const walFile = `${dbFile}-wal`
  const scan = scanWal(walFile, index.mxFrame)
  if (scan.kind === 'empty') return
  if (scan.kind === 'bad-header') {
    // A header is rewritten only once every frame was copied into the database file.
    if (index.nBackfill >= index.mxFrame) return
    throw new DamagedDatabaseError(
      dbFile,
      `the header of ${walFile} (${scan.bytes} bytes) is damaged, so SQLite would ignore the ` +
        `whole file, while ${dbFile}-shm says frames ${index.nBackfill + 1}–${index.mxFrame} ` +
        'hold committed transactions not yet copied into the database',
    )
  }
  if (!scan.salts.equals(index.salts)) return // the index describes an earlier generation
  if (scan.committed >= index.mxFrame) return
  const frameBytes = FRAME_HEADER_BYTES + scan.pageSize
  const expected = WAL_HEADER_BYTES + index.mxFrame * frameBytes
  const brokenAt = WAL_HEADER_BYTES + scan.intact * frameBytes
  const what =
    scan.bytes < expected
      ? `is truncated: it has ${scan.bytes} bytes, but its committed transactions ` +
        `(${index.mxFrame} frames of ${frameBytes} bytes, as ${dbFile}-shm records) need ${expected}`
      : `is damaged at byte ${brokenAt} (frame ${scan.intact + 1} fails its checksum), inside ` +
        `the ${index.mxFrame} frames of committed transactions that ${dbFile}-shm records`
  throw new DamagedDatabaseError(
    dbFile,
    `its write-ahead log ${walFile} ${what}; SQLite would silently drop ` +
      `${index.mxFrame - scan.committed} committed frames`,
  )
}

/** The wal-index header, if both copies agree and its checksum holds; undefined otherwise. */
function readWalIndex(file: string): WalIndex | undefined {
  const bytes = readStart(file, INDEX_BYTES_READ)
  if (!bytes || bytes.length < INDEX_BYTES_READ) return undefined
  const first = bytes.subarray(0, INDEX_HEADER_BYTES)
  if (!first.equals(bytes.subarray(INDEX_HEADER_BYTES, 2 * INDEX_HEADER_BYTES))) return undefined
  // Native byte order throughout (the file is shared memory, never moved between machines).
  const u32 = (at: number) => (NATIVE_BIG_ENDIAN ? bytes.readUInt32BE(at) : bytes.readUInt32LE(at))
  const isInit = first[12] === 1
  if (u32(0) !== WAL_VERSION || !isInit) return undefined
  const sum = checksum(first, 0, 40, NATIVE_BIG_ENDIAN, [0, 0])
  if (sum[0] !== u32(40) || sum[1] !== u32(44)) return undefined
  return {
    mxFrame: u32(16),
    nBackfill: u32(2 * INDEX_HEADER_BYTES),
    salts: Buffer.from(first.subarray(32, 40)),
  }
}

/**
 * Reads the WAL the way SQLite's recovery does (walIndexRecover in wal.c), stopping once
 * `enough` frames are known to be committed.
 */
function scanWal(file: string, enough: number): WalScan {
  let fd: number
  try {
    fd = fs.openSync(file, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'empty' }
    throw error
  }
  try {
    const bytes = fs.fstatSync(fd).size
    if (bytes === 0) return { kind: 'empty' }
    const header = Buffer.alloc(WAL_HEADER_BYTES)
    if (fs.readSync(fd, header, 0, WAL_HEADER_BYTES, 0) < WAL_HEADER_BYTES) {
      return { kind: 'bad-header', bytes }
    }
    const magic = header.readUInt32BE(0)
    const pageSize = header.readUInt32BE(8)
    const validPageSize = pageSize >= 512 && pageSize <= 65536 && (pageSize & (pageSize - 1)) === 0
    if ((magic & ~1) >>> 0 !== WAL_MAGIC || !validPageSize) return { kind: 'bad-header', bytes }
    const bigEndian = (magic & 1) === 1
    let sum = checksum(header, 0, 24, bigEndian, [0, 0])
    if (
      sum[0] !== header.readUInt32BE(24) ||
      sum[1] !== header.readUInt32BE(28) ||
      header.readUInt32BE(4) !== WAL_VERSION
    ) {
      return { kind: 'bad-header', bytes }
    }
    const salts = Buffer.from(header.subarray(16, 24))
    const frameBytes = FRAME_HEADER_BYTES + pageSize
    const frames = Math.floor((bytes - WAL_HEADER_BYTES) / frameBytes)
    const batch = Math.max(1, Math.floor((1 << 20) / frameBytes))
    const buffer = Buffer.alloc(batch * frameBytes)
    let committed = 0
    let intact = 0
    scan: for (let first = 0; first < frames; first += batch) {
      const count = Math.min(batch, frames - first)
      const at = WAL_HEADER_BYTES + first * frameBytes
      const read = fs.readSync(fd, buffer, 0, count * frameBytes, at)
      for (let i = 0; i < count; i++) {
        const frame = i * frameBytes
        if (frame + frameBytes > read) break scan
        const pageNumber = buffer.readUInt32BE(frame)
        if (pageNumber === 0 || !buffer.subarray(frame + 8, frame + 16).equals(salts)) break scan
        sum = checksum(buffer, frame, frame + 8, bigEndian, sum)
        sum = checksum(buffer, frame + FRAME_HEADER_BYTES, frame + frameBytes, bigEndian, sum)
        if (
          sum[0] !== buffer.readUInt32BE(frame + 16) ||
          sum[1] !== buffer.readUInt32BE(frame + 20)
        )
          break scan
        intact = first + i + 1
        if (buffer.readUInt32BE(frame + 4) !== 0) committed = intact
        if (committed >= enough) break scan
      }
    }
    return { kind: 'frames', bytes, pageSize, salts, committed, intact }
  } finally {
    fs.closeSync(fd)
  }
}

/** SQLite's WAL checksum (walChecksumBytes) over `buf[start, end)`, continuing from `sum`. */
function checksum(
  buf: Buffer,
  start: number,
  end: number,
  bigEndian: boolean,
  sum: readonly [number, number],
): [number, number] {
  let [s1, s2] = sum
  for (let at = start; at < end; at += 8) {
    const a = bigEndian ? buf.readUInt32BE(at) : buf.readUInt32LE(at)
    const b = bigEndian ? buf.readUInt32BE(at + 4) : buf.readUInt32LE(at + 4)
    s1 = (s1 + a + s2) >>> 0
    s2 = (s2 + b + s1) >>> 0
  }
  return [s1, s2]
}

/** The first `length` bytes of `file` (fewer if it is shorter), or undefined if it is missing. */
function readStart(file: string, length: number): Buffer | undefined {
  let fd: number
  try {
    fd = fs.openSync(file, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  try {
    const buffer = Buffer.alloc(length)
    return buffer.subarray(0, fs.readSync(fd, buffer, 0, length, 0))
  } finally {
    fs.closeSync(fd)
  }
}
