import * as Y from 'yjs'
import type { FastifyBaseLogger } from 'fastify'
import type { DocumentStore } from '../storage/DocumentStore.js'
import { isValidUpdate } from './updateValidation.js'

/** Where a freshly loaded document stands in its log, for the commit pipeline to carry on from. */
export interface LoadedPosition {
  /** The highest seq up to which everything stored is applied (the compaction mark). */
  appliedSeq: number
  /** Stored bytes: the snapshot plus the log after it. */
  sizeBytes: number
  /** Log records after the snapshot, and their bytes. */
  recordsSinceSnapshot: number
  bytesSinceSnapshot: number
  /** The whole document as one update, when the snapshot is all there is (joiners reuse it). */
  fullState: Uint8Array | undefined
}

/**
 * Loads a document into `doc`: the snapshot, then the log after it. Recovery: a snapshot that
 * fails to apply is quarantined and the load fails (the clients' retry loads what the log holds;
 * a half-applied copy is never served); a log record that fails to apply is quarantined and the
 * rest of the document loads.
 */
export async function loadDocument(
  store: DocumentStore,
  docId: string,
  doc: Y.Doc,
  log: FastifyBaseLogger,
): Promise<LoadedPosition> {
  const stored = await store.load(docId)
  const position: LoadedPosition = {
    appliedSeq: 0,
    sizeBytes: 0,
    recordsSinceSnapshot: stored.updates.length,
    bytesSinceSnapshot: 0,
    fullState: undefined,
  }
  if (stored.snapshot) {
    // Our own encoding, checksum-verified by the store: applied without the validation pass
    // client input gets, which on a big document costs as much as the apply itself.
    try {
      Y.applyUpdate(doc, stored.snapshot.data)
    } catch (err) {
      await store.quarantineSnapshot(docId, 'failed to apply')
      throw err
    }
    position.sizeBytes = stored.snapshot.data.byteLength
    position.appliedSeq = stored.snapshot.uptoSeq
    if (stored.updates.length === 0) position.fullState = stored.snapshot.data
  }
  const bad: number[] = []
  doc.transact(() => {
    for (const record of stored.updates) {
      position.sizeBytes += record.data.byteLength
      position.bytesSinceSnapshot += record.data.byteLength
      if (!isValidUpdate(record.data)) {
        bad.push(record.seq)
      } else {
        try {
          Y.applyUpdate(doc, record.data)
        } catch {
          bad.push(record.seq)
        }
      }
      position.appliedSeq = record.seq
    }
  })
  for (const seq of bad) await store.quarantine(docId, seq, 'failed to apply')
  if (bad.length + stored.quarantined > 0) {
    log.warn(
      { docId, failedToApply: bad.length, badChecksum: stored.quarantined },
      'quarantined stored records while loading a document',
    )
  }
  return position
}
