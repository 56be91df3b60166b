/**
 * The last seq handed out for a document (binds `@docId`): the highest of its log, its
 * snapshot and its quarantined records, so a quarantined record's seq is never handed out again.
 */
export const HEAD_SEQ_SQL = `SELECT max(
    coalesce((SELECT max(seq) FROM updates WHERE doc_id = @docId), 0),
    coalesce((SELECT upto_seq FROM snapshots WHERE doc_id = @docId), 0),
    coalesce((SELECT max(seq) FROM quarantine WHERE doc_id = @docId AND kind = 'update'), 0)
  ) AS seq`
