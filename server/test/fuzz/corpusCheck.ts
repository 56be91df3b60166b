/** Sends each fixed corpus entry to a document of its own and reports what went wrong. */
import { CloseCode, SyncMessageType } from '@tandem/shared'
import type { CorpusEntry } from './corpus.js'
import type { FuzzServer } from './FuzzServer.js'
import { observe } from './observe.js'
import { RawConnection } from './RawConnection.js'
import { REPLY_TIMEOUT_MS } from './settings.js'
import { awarenessFrame, hexOf, isEmptyUpdate, syncFrame } from './wire.js'

/** Frames to send for one corpus entry (an update goes out as step 2 and as an update). */
export function corpusFrames(entry: CorpusEntry): (Uint8Array | string)[] {
  const bytes = entry.bytes
  if (typeof bytes === 'string' || entry.kind === 'frame') return [bytes]
  if (entry.kind === 'awareness') return [awarenessFrame(bytes)]
  return [syncFrame(SyncMessageType.step2, bytes), syncFrame(SyncMessageType.update, bytes)]
}

/** What a newcomer finds of a corpus entry: it must load, and hold nothing of a refused one. */
export async function leftovers(
  server: FuzzServer,
  entry: CorpusEntry,
  id: string,
  when: string,
): Promise<string[]> {
  const seen = await observe(server.ws, id)
  const out: string[] = []
  if (!seen.content || !seen.states) {
    const why = seen.closed === undefined ? 'no answer' : `closed ${seen.closed}`
    return [`${entry.name}: ${when}, the document did not answer a newcomer (${why})`]
  }
  if (seen.unappliable)
    out.push(`${entry.name}: ${when}, a newcomer cannot apply the document: ${seen.unappliable}`)
  const ghosts = [...seen.states].filter(([, json]) => json !== 'null')
  if (ghosts.length > 0) out.push(`${entry.name}: ${when}, presence left behind: ${ghosts}`)
  if (entry.expect === 'refuse' && !isEmptyUpdate(seen.content)) {
    out.push(`${entry.name}: ${when}, refused input is served to newcomers: ${hexOf(seen.content)}`)
  }
  return out
}

/**
 * Sends each frame of `entry` on a fresh connection to document `id`, checks the server's answer
 * (a documented close for refused input, never a stall), then what a newcomer and the store
 * find. Returns the failures, and the slowest answer in milliseconds.
 */
export async function checkCorpusEntry(
  server: FuzzServer,
  entry: CorpusEntry,
  id: string,
): Promise<{ failures: string[]; slowestMs: number }> {
  const out: string[] = []
  let slowestMs = 0
  for (const frame of corpusFrames(entry)) {
    const what = `${entry.name} (${entry.source}) as ${hexOf(frame)}`
    const raw = new RawConnection(`${server.ws}/${id}`)
    if (!(await raw.ready)) {
      out.push(`${what}: the room did not start (no sync step 1)`)
      await raw.end()
      continue
    }
    const start = performance.now()
    raw.send(frame)
    // The pong follows the frame's handling; a close may lag it if decoding is offloaded.
    let outcome = await raw.settle()
    const ms = performance.now() - start
    slowestMs = Math.max(slowestMs, ms)
    if ('answered' in outcome && entry.expect === 'refuse') {
      outcome = await raw.waitClosed(1_000)
    }
    const allowed: number[] =
      typeof frame === 'string'
        ? [CloseCode.unsupportedData]
        : [CloseCode.malformedMessage, CloseCode.tooLarge]
    if ('timedOut' in outcome) {
      out.push(
        ms >= REPLY_TIMEOUT_MS
          ? `${what}: stalled, no pong or close within ${REPLY_TIMEOUT_MS} ms`
          : `${what}: accepted, the connection stayed open`,
      )
    } else if ('closed' in outcome && !allowed.includes(outcome.closed)) {
      out.push(`${what}: closed with ${outcome.closed}, expected ${allowed.join('/')}`)
    }
    await raw.end()
  }
  out.push(...(await leftovers(server, entry, id, 'right after')))
  const stored = await server.storedBytes(id)
  if (entry.expect === 'refuse' && stored > 0) {
    out.push(`${entry.name}: refused input was stored (${stored} bytes)`)
  }
  return { failures: out, slowestMs }
}
