import * as Y from 'yjs'

/**
 * True if `update` is exactly one Yjs V1 update whose structs and deletions all have a positive
 * length. Zero-length ranges decode fine but make Yjs throw halfway through applying them, leaving
 * a document nobody can load. Yjs's decoder ignores trailing bytes, which lets V2 updates and
 * garbage pass as V1; a V1 update ends with its delete set, read entirely with varints that throw
 * at the end of the input, so an exact update fails to decode without its last byte, while one
 * with bytes left over still decodes.
 */
export function isValidUpdate(update: Uint8Array): boolean {
  // Own buffers: lib0 does not bound byte-array reads by the view, only by the ArrayBuffer.
  const exact = update.slice()
  try {
    const { structs, ds } = Y.decodeUpdate(exact)
    for (const struct of structs) if (!(struct.length > 0)) return false
    for (const ranges of ds.clients.values()) {
      for (const range of ranges) if (!(range.len > 0)) return false
    }
  } catch {
    return false
  }
  try {
    Y.decodeUpdate(exact.slice(0, -1))
    return false
  } catch {
    return true
  }
}

/** True for an update that carries no structs and no deletions (e.g. `[0, 0]`). */
export function isEmptyUpdate(update: Uint8Array): boolean {
  return update.byteLength <= 2 && update.every((b) => b === 0)
}
