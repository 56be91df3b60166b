/**
 * Searching documents' text, the parts both sides agree on: how a query becomes words (whatever it
 * holds, it is only ever words: no operator of any index's query language survives), which words
 * of a text match them, and the plain-text snippet a result shows. The server's indexes (SQLite
 * FTS5, PostgreSQL full text) find and rank documents; these functions cut and mark the snippet,
 * and run the whole search over the browser's own copies when it is offline.
 */
import { stemmer } from 'stemmer'

/** A character range `[start, end)` in a string (UTF-16 code units, as JavaScript counts). */
export type TextRange = [start: number, end: number]

/** Most words of a query that count; words after these are ignored. */
export const MAX_SEARCH_TERMS = 16

/** Longest snippet, in characters, not counting the `…` at either end. */
export const SNIPPET_LENGTH = 180

/** Characters of context a snippet keeps before its first match. */
const SNIPPET_LEAD = 50

/** Runs of letters, digits and combining marks: a word, in the query and in the text alike. */
const WORD = /[\p{L}\p{N}\p{M}]+/gu

/** Lower case without diacritics, as the indexes fold them (`Café` → `cafe`). */
export function foldWord(word: string): string {
  // Plain ASCII (most words) has nothing to decompose.
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u007f]*$/.test(word)) return word.toLowerCase()
  return word
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
}

/**
 * The words of a search query, folded (see {@link foldWord}), without repeats, at most
 * {@link MAX_SEARCH_TERMS}. Anything that is not a letter or digit only separates words, so
 * quotes, `*`, `-`, `:`, parentheses and the like never reach an index's query parser; `NEAR`,
 * `AND`, `OR` are searched for as words. Empty when the query has no word at all.
 */
export function searchTerms(query: string): string[] {
  const terms = new Set<string>()
  for (const [word] of query.matchAll(WORD)) {
    const folded = foldWord(word)
    if (folded) terms.add(folded)
    if (terms.size === MAX_SEARCH_TERMS) break
  }
  return [...terms]
}

/** Whether one word of a text matches the query (see {@link matcher}). */
type Matcher = (word: string) => boolean

/**
 * Whether a word of the text matches one of the query terms: the word starts with the term
 * (prefix matching: `collab` finds `collaboration`), or the word's stem starts with the term's
 * (stemming: `running` finds `runs`). Words are folded first. The Porter stemmer only rewrites a
 * word's ending, and what it writes there (`i` for `y`, `e` of `ate`, `ble`, `ize`…) is at most
 * the stem's last two letters, so a word that does not start with a term stem less its last two
 * letters cannot match by stem and is not stemmed: most words of a text cost two comparisons.
 */
function matcher(terms: readonly string[]): Matcher {
  const stems = terms.map((term) => stemmer(term))
  const heads = stems.map((stem) => stem.slice(0, Math.max(1, stem.length - 2)))
  return (raw) => {
    const word = foldWord(raw)
    if (terms.some((term) => word.startsWith(term))) return true
    if (!heads.some((head) => word.startsWith(head))) return false
    const stem = stemmer(word)
    return stems.some((termStem) => stem.startsWith(termStem))
  }
}

/** The ranges of the words in `text` that match any of `terms` (from {@link searchTerms}), in order. */
export function findMatches(text: string, terms: readonly string[]): TextRange[] {
  if (terms.length === 0) return []
  const matches = matcher(terms)
  const ranges: TextRange[] = []
  for (const match of text.matchAll(WORD)) {
    if (matches(match[0])) ranges.push([match.index, match.index + match[0].length])
  }
  return ranges
}

/** Where the first word of `text` that matches `terms` starts, or -1. */
function firstMatch(text: string, terms: readonly string[]): number {
  if (terms.length === 0) return -1
  const matches = matcher(terms)
  for (const match of text.matchAll(WORD)) if (matches(match[0])) return match.index
  return -1
}

/** A plain-text excerpt of a document and where the query's words are in it. */
export interface Snippet {
  /** Plain text, one line, at most {@link SNIPPET_LENGTH} characters plus an `…` at a cut end. */
  text: string
  /** Ranges of matching words in `text`, in order. */
  matches: TextRange[]
}

/**
 * An excerpt of `body` around its first match of `terms` (its start when nothing in it matches:
 * the title did), cut at word boundaries, line breaks and runs of spaces made single spaces, with
 * the ranges of every matching word inside it.
 */
export function makeSnippet(body: string, terms: readonly string[]): Snippet {
  const first = firstMatch(body, terms)
  let start = 0
  if (first > SNIPPET_LEAD) {
    // Start at a word: skip the rest of the one the cut lands in.
    const space = /\s/.exec(body.slice(first - SNIPPET_LEAD, first))
    start = space ? first - SNIPPET_LEAD + space.index + 1 : first
  }
  // Only the part around the excerpt is flattened: a body can be long, and whitespace runs only
  // shrink, so twice the length is enough.
  const window = body.slice(start, start + 2 * SNIPPET_LENGTH)
  const flat = window.replace(/\s+/g, ' ').trim()
  const more =
    start + window.length < body.length && body.slice(start + window.length).trim() !== ''
  let end = Math.min(flat.length, SNIPPET_LENGTH)
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end)
    if (space > SNIPPET_LENGTH / 2) end = space
  }
  const before = start > 0 && body.slice(0, start).trim() !== '' ? '…' : ''
  const after = end < flat.length || more ? '…' : ''
  const text = before + flat.slice(0, end).trim() + after
  return { text, matches: findMatches(text, terms) }
}

/** A document's searchable text: its title and its body as plain text. */
export interface DocumentText {
  title: string
  /** The rich text's blocks, one per line. */
  body: string
}

/**
 * How well a document's text matches `terms`, for searching without an index (the browser's
 * local copies): undefined unless every term matches somewhere in the title or the body; else
 * higher is better, a match in the title counting as much as ten in the body.
 */
export function localScore(text: DocumentText, terms: readonly string[]): number | undefined {
  if (terms.length === 0) return undefined
  let score = 0
  for (const term of terms) {
    const inTitle = findMatches(text.title, [term]).length
    const inBody = findMatches(text.body, [term]).length
    if (inTitle + inBody === 0) return undefined
    score += 10 * inTitle + inBody
  }
  return score
}
