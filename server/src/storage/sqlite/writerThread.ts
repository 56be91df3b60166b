// Worker thread that owns the database's write connection. Commits (each an fsync) happen here so
// the event loop that relays edits never waits on the disk. Requests are handled in order; appends
// that queued up while a commit ran are merged into one transaction.
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads'
import { openDatabase } from './migrations.js'
import { SqliteSearchWrites } from './SqliteSearchWrites.js'
import { SqliteVersionWrites } from './SqliteVersionWrites.js'
import { SqliteWrites, type AppendItem } from './SqliteWrites.js'
import { StoreError, StoreErrorCode } from '../errors.js'
import type { WriterReply, WriterRequest } from './writerMessages.js'

const { file, busyTimeoutMs, port } = workerData as {
  file: string
  busyTimeoutMs: number
  port: MessagePort
}
const db = openDatabase(file, busyTimeoutMs)
const searchWrites = new SqliteSearchWrites(db)
const writes = new SqliteWrites(db, searchWrites)
const versionWrites = new SqliteVersionWrites(db)

type AppendRequest = Extract<WriterRequest, { op: 'append' }>

function run(request: Exclude<WriterRequest, AppendRequest>): unknown {
  switch (request.op) {
    case 'createDocument':
      return writes.createDocument(request.docId, request.links)
    case 'rotateLink':
      return writes.rotateLink(request.docId, request.role, request.token)
    case 'compact':
      return writes.compact(request.docId, request.snapshot, request.uptoSeq)
    case 'quarantineUpdates':
      return writes.quarantineUpdates(request.docId, request.seqs, request.reason)
    case 'quarantineSnapshot':
      return writes.quarantineSnapshot(request.docId, request.reason)
    case 'delete':
      return writes.delete(request.docId)
    case 'saveVersion':
      return versionWrites.saveVersion(request)
    case 'deleteVersions':
      return versionWrites.deleteVersions(request.docId, request.ids)
    case 'quarantineVersion':
      return versionWrites.quarantineVersion(request.docId, request.versionId, request.reason)
    case 'saveAuthors':
      return versionWrites.saveAuthors(request.docId, request.authors, request.replace)
    case 'indexText':
      return searchWrites.indexText(request.rows)
    case 'probe':
      return writes.probe(request.bytes)
    case 'close':
      db.close()
      return undefined
  }
}

function unpack(request: AppendRequest): AppendItem[] {
  let offset = 0
  return request.docIds.map((docId, i) => {
    const length = request.lengths[i] ?? 0
    const data = request.bytes.subarray(offset, offset + length)
    offset += length
    return { docId, data }
  })
}

/** Commits several append requests in one transaction; each gets the seqs of its own items. */
function commitAppends(requests: readonly AppendRequest[]): void {
  let replies: WriterReply[]
  try {
    const seqs = writes.append(requests.flatMap(unpack))
    let at = 0
    replies = requests.map((request) => {
      const value = seqs.slice(at, at + request.docIds.length)
      at += request.docIds.length
      return { id: request.id, ok: true, value }
    })
  } catch (error) {
    replies = requests.map((request) => failure(request.id, error))
  }
  for (const reply of replies) port.postMessage(reply)
  recoverConnection()
}

/** The reply for a failed request: a uniqueness violation is `exists`, anything else failed. */
function failure(id: number, error: unknown): WriterReply {
  const sqliteCode = (error as { code?: unknown }).code
  const code =
    error instanceof StoreError
      ? error.code
      : sqliteCode === 'SQLITE_CONSTRAINT_PRIMARYKEY' || sqliteCode === 'SQLITE_CONSTRAINT_UNIQUE'
        ? StoreErrorCode.exists
        : StoreErrorCode.commitFailed
  return { id, ok: false, code, message: String(error) }
}

function handle(request: Exclude<WriterRequest, AppendRequest>): void {
  let reply: WriterReply
  try {
    reply = { id: request.id, ok: true, value: run(request) }
  } catch (error) {
    reply = failure(request.id, error)
  }
  port.postMessage(reply)
  recoverConnection()
}

/**
 * A failed write (SQLITE_FULL, an I/O error) rolls its transaction back, and the connection
 * takes the next one as soon as the disk does. Should a transaction still be open (its rollback
 * failed too), every later BEGIN would fail: end this thread instead, after its replies, and the
 * store starts a writer with a fresh connection (SqliteStore.#restartWriter).
 */
function recoverConnection(): void {
  if (!db.open || !db.inTransaction) return
  try {
    db.exec('ROLLBACK')
  } catch {
    // judged below
  }
  if (db.inTransaction) process.exit(1)
}

port.on('message', (first: WriterRequest) => {
  // Everything already waiting is taken now, in order: runs of appends become one transaction.
  const requests = [first]
  for (let next = receiveMessageOnPort(port); next; next = receiveMessageOnPort(port)) {
    requests.push(next.message as WriterRequest)
  }
  let appends: AppendRequest[] = []
  for (const request of requests) {
    if (request.op === 'append') {
      appends.push(request)
      continue
    }
    if (appends.length > 0) commitAppends(appends)
    appends = []
    handle(request)
  }
  if (appends.length > 0) commitAppends(appends)
})
