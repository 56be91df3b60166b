// Worker thread that owns the database's write connection. Commits (each an fsync) happen here so
// the event loop that relays edits never waits on the disk; the main thread keeps batching the
// next group of appends while one commits.
import { parentPort, workerData } from 'node:worker_threads'
import { openDatabase, SqliteWrites } from './sqliteSchema.js'
import type { WriterReply, WriterRequest } from './sqliteWriterProtocol.js'

const { file, busyTimeoutMs } = workerData as { file: string; busyTimeoutMs: number }
const db = openDatabase(file, busyTimeoutMs)
const writes = new SqliteWrites(db)

function run(request: WriterRequest): unknown {
  switch (request.op) {
    case 'append':
      return writes.append(request.batch)
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
    case 'close':
      db.close()
      return undefined
  }
}

parentPort?.on('message', (request: WriterRequest) => {
  let reply: WriterReply
  try {
    reply = { id: request.id, ok: true, value: run(request) }
  } catch (error) {
    reply = { id: request.id, ok: false, message: String(error) }
  }
  parentPort?.postMessage(reply)
})
