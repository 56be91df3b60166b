import * as Y from 'yjs'

/** What validation learned of an update while decoding it, so nobody decodes it again. */
export interface UpdateShape {
  /**
   * The Yjs client ids whose content the update carries (its items; not GC structs of content
   * already deleted, nor skips), each once.
   */
  clients: number[]
  /** True if the update deletes something (its delete set is not empty). */
  deletes: boolean
}

/**
 * True if `update` is exactly one Yjs V1 update whose structs and deletions all cover a positive,
 * exactly countable clock range. Zero-length or astronomically long ranges decode fine but make
 * Yjs throw halfway through applying them, leaving a document nobody can load. Yjs's decoder ignores trailing bytes, which lets V2 updates and
 * garbage pass as V1; a V1 update ends with its delete set, read entirely with varints that throw
 * at the end of the input, so an exact update fails to decode without its last byte, while one
 * with bytes left over still decodes.
 */
export function isValidUpdate(update: Uint8Array): boolean {
  return validateUpdate(update) !== undefined
}

/**
 * The {@link UpdateShape} of `update` if it is valid (see {@link isValidUpdate}), else undefined:
 * the one decode of a client's update on the write path.
 */
export function validateUpdate(update: Uint8Array): UpdateShape | undefined {
  // Own buffers: lib0 does not bound byte-array reads by the view, only by the ArrayBuffer.
  const exact = update.slice()
  const clients: number[] = []
  let deletes = false
  try {
    const { structs, ds } = Y.decodeUpdate(exact)
    for (const struct of structs) {
      if (!validRange(struct.id.clock, struct.length)) return undefined
      if (!Number.isSafeInteger(struct.id.client)) return undefined
      if (struct instanceof Y.Item && !validReferences(struct)) return undefined
      // Structs come grouped by client: one id is usually all there is.
      const client = struct.id.client
      if (struct instanceof Y.Item && clients.at(-1) !== client && !clients.includes(client)) {
        clients.push(client)
      }
    }
    for (const [client, ranges] of ds.clients) {
      if (!Number.isSafeInteger(client)) return undefined
      for (const range of ranges) if (!validRange(range.clock, range.len)) return undefined
      deletes ||= ranges.length > 0
    }
  } catch {
    return undefined
  }
  // This decode is expected to throw: skip capturing a stack trace nobody reads (half the cost).
  const stackTraceLimit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    Y.decodeUpdate(exact.slice(0, -1))
    return undefined
  } catch {
    return { clients, deletes }
  } finally {
    Error.stackTraceLimit = stackTraceLimit
  }
}

/**
 * An item's references are exact, and none points at its own client at or after its own clock: a
 * client's structs integrate in clock order, and Yjs throws halfway through applying a forward
 * one (found by the fuzzer: committed, it poisoned the room for everyone).
 */
function validReferences(item: Y.Item): boolean {
  const parent = item.parent instanceof Y.ID ? item.parent : null
  for (const id of [item.origin, item.rightOrigin, parent]) {
    if (id === null) continue
    if (!Number.isSafeInteger(id.client) || !Number.isSafeInteger(id.clock)) return false
    if (id.client === item.id.client && id.clock >= item.id.clock) return false
  }
  return true
}

/**
 * A clock range Yjs can apply: positive length, and an end it can still count to exactly (larger
 * varints decode to imprecise floats and make Yjs throw while tidying up the transaction).
 */
function validRange(clock: number, length: number): boolean {
  return length > 0 && Number.isSafeInteger(clock) && Number.isSafeInteger(clock + length)
}

/**
 * True for the empty update, `[0, 0]` (no structs, no deletions): what every client sends as its
 * sync step 2 when the server has nothing it lacks. Checked before {@link isValidUpdate}, which
 * it passes, so the most common message costs no decoding.
 */
export function isEmptyUpdate(update: Uint8Array): boolean {
  return update.byteLength === 2 && update[0] === 0 && update[1] === 0
}
