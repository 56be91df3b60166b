/**
 * The end of a chaos seed, judged: every client holds the same document, and so does a newcomer
 * after the server was killed; every edit a client's bookkeeping reported saved is in it (even
 * when that client closed its tab since), and so is every edit of a client still open, offline
 * ones included; every marker nobody deleted is visible; the server never crashed or complained,
 * and closed sockets only as a restart or a dropped network does.
 */
import * as Y from 'yjs'
import { CloseCode } from '@tandem/shared'
import type { ChaosClient } from './clients.js'
import { overlaps, visibleText, type Edit, type IdRange } from './edits.js'

/** Close codes a client may see here: dropped network (1006), restart (1012), plain closes. */
const EXPECTED_CLOSES: ReadonlySet<number> = new Set([1000, 1005, 1006, CloseCode.restarting])

export interface VerifyInput {
  /** Every client the seed had, tabs closed along the way included. */
  clients: readonly ChaosClient[]
  /** The clients still open at the end (all healed: online, synced). */
  live: readonly ChaosClient[]
  /** The document a newcomer got after the final SIGKILL and restart (absent if not reached). */
  stored: Y.Doc | undefined
  /** What the server logged at warn level or above during the seed. */
  problems: readonly string[]
  /** Exits of the server nobody asked for during the seed. */
  crashes: readonly string[]
}

export interface Verdict {
  failures: string[]
  /** Edits checked to be in the final document (all of them must be). */
  contained: number
  /** Of those, reported saved by their client's bookkeeping (SaveTracker or per-edit acks). */
  saved: number
  /** Of those, saved edits of tabs closed mid-run: only the server can have kept them. */
  savedClosed: number
  /** Of those, made offline by a client still open at the end. */
  offline: number
  /** Markers checked to be visible in the final text. */
  markers: number
  /** Unsaved edits of closed tabs that never reached the server (allowed: they were unsaved). */
  lostUnsaved: number
}

/** Judges the end of a seed; see the file comment. */
export function verify({ clients, live, stored, problems, crashes }: VerifyInput): Verdict {
  const failures: string[] = []
  const verdict: Verdict = {
    failures,
    contained: 0,
    saved: 0,
    savedClosed: 0,
    offline: 0,
    markers: 0,
    lostUnsaved: 0,
  }
  const first = live[0]
  if (!first) return { ...verdict, failures: ['no client left at the end'] }
  const final = first.doc
  const finalSnapshot = Y.snapshot(final)
  const finalText = visibleText(final)
  const finalXml = final.getXmlFragment('default').toString()

  for (const c of live.slice(1)) {
    if (!Y.equalSnapshots(finalSnapshot, Y.snapshot(c.doc))) {
      failures.push(`${c.name} differs from ${first.name}: ${difference(final, c.doc)}`)
    } else if (visibleText(c.doc) !== finalText) {
      failures.push(`${c.name} renders differently from ${first.name} with equal snapshots`)
    }
  }
  if (stored) {
    if (!Y.equalSnapshots(finalSnapshot, Y.snapshot(stored))) {
      failures.push(
        `after SIGKILL, a newcomer differs from the clients: ${difference(final, stored)}`,
      )
    } else if (stored.getXmlFragment('default').toString() !== finalXml) {
      failures.push('after SIGKILL, a newcomer renders the content differently')
    }
  }

  // Every edit that must be there: all of an open client's, and the saved ones of closed tabs.
  const deletions: IdRange[] = clients.flatMap((c) => c.edits.flatMap((e) => e.deleted))
  const missing: string[] = []
  const invisible: string[] = []
  for (const c of clients) {
    for (const edit of c.edits) {
      const required = !c.departed || edit.saved
      const present = Y.snapshotContainsUpdate(finalSnapshot, edit.update)
      if (!required) {
        if (!present) verdict.lostUnsaved++
        continue
      }
      verdict.contained++
      if (edit.saved) verdict.saved++
      if (c.departed) verdict.savedClosed++
      if (edit.offline && !c.departed) verdict.offline++
      if (!present) missing.push(describeEdit(c, edit))
      if (edit.marker && edit.markerIds && !deletedByAnyone(edit, deletions)) {
        verdict.markers++
        if (!finalText.includes(edit.marker)) invisible.push(describeEdit(c, edit))
      }
    }
  }
  if (missing.length > 0) {
    failures.push(
      `${missing.length} required edits are not in the final document: ${list(missing)}`,
    )
  }
  if (invisible.length > 0) {
    failures.push(`${invisible.length} markers nobody deleted are not visible: ${list(invisible)}`)
  }

  for (const c of clients) {
    const odd = c.closeCodes.filter((code) => !EXPECTED_CLOSES.has(code))
    if (odd.length > 0)
      failures.push(`${c.name} was closed with unexpected codes ${odd.join(', ')}`)
    failures.push(...c.oddities)
    const stopped = (c as { stopped?: number }).stopped
    if (stopped !== undefined) failures.push(`${c.name} stopped for good after close ${stopped}`)
  }
  failures.push(...crashes)
  if (problems.length > 0) {
    failures.push(`the server logged ${problems.length} warnings or errors: ${list(problems)}`)
  }
  return verdict
}

/** A marker is gone if someone deleted one of its characters, or its text or paragraph. */
function deletedByAnyone(edit: Edit, deletions: readonly IdRange[]): boolean {
  if (overlaps(deletions, edit.markerIds!)) return true
  return edit.containers.some((id) =>
    overlaps(deletions, { client: id.client, clock: id.clock, length: 1 }),
  )
}

function describeEdit(c: ChaosClient, edit: Edit): string {
  return (
    `${edit.label} ${edit.kind}${edit.marker ? ` ${edit.marker}` : ''} ` +
    `(${edit.offline ? 'offline' : 'online'}, ${edit.saved ? 'saved' : 'unsaved'}, ` +
    `${c.departed ? 'tab closed' : 'open'})`
  )
}

function list(items: readonly string[], max = 8): string {
  const shown = items.slice(0, max).map((s) => `\n    ${s}`)
  return shown.join('') + (items.length > max ? `\n    … and ${items.length - max} more` : '')
}

/** Where two documents differ: state vectors, then the first differing line of text. */
function difference(a: Y.Doc, b: Y.Doc): string {
  const sv = (doc: Y.Doc): string =>
    JSON.stringify([...Y.decodeStateVector(Y.encodeStateVector(doc))].sort(([x], [y]) => x - y))
  if (sv(a) !== sv(b)) return `state vectors ${sv(a)} vs ${sv(b)}`
  const [ta, tb] = [visibleText(a).split('\n'), visibleText(b).split('\n')]
  const i = ta.findIndex((line, n) => line !== tb[n])
  return i < 0
    ? 'same state vectors and text, different delete sets'
    : `line ${i}: ${JSON.stringify(ta[i])} vs ${JSON.stringify(tb[i])}`
}
