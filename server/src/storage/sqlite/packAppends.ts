import type { PendingAppend } from '../groupCommit.js'
import type { WriterRequest } from './writerMessages.js'

/**
 * One batch as one buffer moved (not copied) to the writer. An update can be a view into a socket
 * read that held several frames, and cloning a view clones all of its buffer.
 */
export function packAppends(batch: readonly PendingAppend[]): {
  request: Omit<Extract<WriterRequest, { op: 'append' }>, 'id'>
  buffer: ArrayBuffer
} {
  let total = 0
  for (const item of batch) total += item.data.byteLength
  const buffer = new ArrayBuffer(total)
  const bytes = new Uint8Array(buffer)
  let offset = 0
  for (const item of batch) {
    bytes.set(item.data, offset)
    offset += item.data.byteLength
  }
  const request = {
    op: 'append' as const,
    docIds: batch.map((item) => item.docId),
    lengths: batch.map((item) => item.data.byteLength),
    bytes,
  }
  return { request, buffer }
}
