import * as Y from 'yjs'
import { displayUser } from '@tandem/shared'
import type { ClientAuthor, StoredAuthor } from '../../storage/DocumentStore.js'

/**
 * A version's summary: the document's state vector and delete set, encoded (`Y.encodeSnapshot`).
 * Two states with the same summary hold the same content: an item exists iff the state vector
 * covers its id, and is visible iff the delete set does not. Yjs writes both sorted by client and
 * the delete set merged into maximal ranges, so the bytes are canonical and comparing them is
 * exact — unlike comparing encoded documents, whose bytes also depend on how items happen to be
 * split and merged. It is small (no content) and cheap to compute (one walk of the struct store).
 */
export function stateSummary(doc: Y.Doc): Uint8Array {
  return Y.encodeSnapshot(Y.snapshot(doc))
}

/** True if two summaries are the same state. */
export function sameState(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
}

/** The state vector of a summary (client id → clock); empty if it cannot be decoded. */
export function clocksOf(summary: Uint8Array | undefined): Map<number, number> {
  if (!summary) return new Map()
  try {
    return Y.decodeSnapshot(summary).sv
  } catch {
    return new Map()
  }
}

/** The client ids that wrote content between two states (their clocks moved). */
export function clientsBetween(before: Uint8Array | undefined, after: Uint8Array): number[] {
  const from = clocksOf(before)
  return [...clocksOf(after)]
    .filter(([client, clock]) => clock > (from.get(client) ?? 0))
    .map(([client]) => client)
}

/**
 * The author of each client id whose content the state holds, keyed by the id in decimal: as
 * recorded, or `Anonymous` with a colour derived from the id when nobody recorded it.
 */
export function clientsOf(
  summary: Uint8Array,
  recorded: readonly ClientAuthor[],
): Record<string, StoredAuthor> {
  const byId = new Map(recorded.map((a) => [a.clientId, a]))
  const clients: Record<string, StoredAuthor> = {}
  for (const [client, clock] of clocksOf(summary)) {
    if (clock === 0) continue
    const author = byId.get(client) ?? displayUser(undefined, client)
    clients[String(client)] = { name: author.name, color: author.color }
  }
  return clients
}

/** Each person once (by name and colour), in the order first seen. */
export function distinctAuthors(authors: Iterable<StoredAuthor>): StoredAuthor[] {
  const seen = new Map<string, StoredAuthor>()
  for (const { name, color } of authors) seen.set(`${name}\u0000${color}`, { name, color })
  return [...seen.values()]
}
