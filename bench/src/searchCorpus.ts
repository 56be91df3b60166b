/**
 * A deterministic corpus for the search scenario: documents of pseudo-words drawn from a fixed
 * vocabulary with a Zipf distribution (the word of rank r is drawn with probability ∝ 1/r, so
 * the commonest words are in nearly every document and the rarest in a few in a hundred), as
 * Markdown paragraphs under a title; and queries of one or two words mixing common, medium and
 * rare words and prefixes, each over a random subset of the documents. The same seed gives the
 * same corpus and queries.
 */
import { seededRandom } from './clock.js'

/** Words in the vocabulary. */
export const VOCABULARY_SIZE = 4_000

/** Ranks below this are "common" (in most documents of 1,000 words). */
const COMMON_RANKS = 50
/** Ranks below this (and not common) are "medium"; the rest are "rare". */
const MEDIUM_RANKS = 1_000
/** Letters a prefix query keeps of a word. */
const PREFIX_LETTERS = 4

/** The kinds of query term, each drawn with the same probability. */
export const TermClass = {
  common: 'common',
  medium: 'medium',
  rare: 'rare',
  prefix: 'prefix',
} as const
export type TermClass = (typeof TermClass)[keyof typeof TermClass]

export interface SearchCorpus {
  /** The vocabulary, most common word first. */
  vocabulary: string[]
  /** Each document's `POST /api/docs` body, `{"title":…,"markdown":…}` encoded once. */
  bodies: Buffer[]
  /** Each document's title. */
  titles: string[]
  /** Words in all documents' text (titles not counted). */
  words: number
  /** Bytes of all request bodies. */
  bytes: number
}

export interface SearchQuery {
  /** The query text: one or two words, or prefixes, separated by a space. */
  q: string
  /** The class of each term, in order. */
  classes: TermClass[]
  /** Indexes of the documents whose links are sent with it, distinct. */
  docs: number[]
}

const consonants = 'bcdfghjklmnprstvz'
const vowels = 'aeiou'

/**
 * English stop words (PostgreSQL's and Snowball's list), which an index may drop: no pseudo-word
 * is one, so every store finds every word.
 */
const stopWords = new Set(
  (
    'i me my myself we our ours ourselves you your yours yourself yourselves he him his himself ' +
    'she her hers herself it its itself they them their theirs themselves what which who whom ' +
    'this that these those am is are was were be been being have has had having do does did ' +
    'doing a an the and but if or because as until while of at by for with about against ' +
    'between into through during before after above below to from up down in out on off over ' +
    'under again further then once here there when where why how all any both each few more ' +
    'most other some such no nor not only own same so than too very s t can will just don ' +
    'should now'
  ).split(' '),
)

/**
 * `size` distinct pseudo-words made of consonant-vowel syllables, commonest first: common words
 * are short (1–2 syllables), rare ones long (3–4), as in natural languages.
 */
function makeVocabulary(size: number, random: () => number): string[] {
  const pick = (letters: string): string => letters[Math.floor(random() * letters.length)] as string
  const seen = new Set<string>()
  const words: string[] = []
  while (words.length < size) {
    const rank = words.length
    const minSyllables = rank < COMMON_RANKS ? 1 : rank < MEDIUM_RANKS ? 2 : 3
    const syllables = minSyllables + Math.floor(random() * 2)
    let word = ''
    for (let i = 0; i < syllables; i++) word += pick(consonants) + pick(vowels)
    // One in three ends in a consonant, so not every word ends in a vowel.
    if (random() < 1 / 3) word += pick(consonants)
    if (seen.has(word) || stopWords.has(word)) continue
    seen.add(word)
    words.push(word)
  }
  return words
}

/** A sampler of ranks 0…n-1 with probability ∝ 1/(rank+1). */
function zipfSampler(n: number, random: () => number): () => number {
  const cdf = new Float64Array(n)
  let sum = 0
  for (let r = 0; r < n; r++) {
    sum += 1 / (r + 1)
    cdf[r] = sum
  }
  return () => {
    const u = random() * sum
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((cdf[mid] as number) < u) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

const capitalise = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1)

/**
 * `docs` documents of about `wordsPerDoc` words each (paragraphs of 80–120 words, sentences of
 * 6–18 with a comma now and then; the last paragraph takes what is left) and a title of 3–6
 * words, generated from `seed`.
 */
export function generateCorpus(docs: number, wordsPerDoc: number, seed: number): SearchCorpus {
  const random = seededRandom(seed)
  const vocabulary = makeVocabulary(VOCABULARY_SIZE, random)
  const draw = zipfSampler(vocabulary.length, random)
  const word = (): string => vocabulary[draw()] as string
  const between = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1))
  const bodies: Buffer[] = []
  const titles: string[] = []
  let words = 0
  let bytes = 0
  for (let d = 0; d < docs; d++) {
    const titleWords = Array.from({ length: between(3, 6) }, () => capitalise(word()))
    const title = titleWords.join(' ')
    const paragraphs: string[] = []
    let left = wordsPerDoc
    while (left > 0) {
      let n = Math.min(left, between(80, 120))
      // No stub of a paragraph at the end: a short remainder joins this one.
      if (left - n < 40) n = left
      left -= n
      const sentences: string[] = []
      while (n > 0) {
        const length = Math.min(n, between(6, 18))
        n -= length
        const sentence = Array.from({ length }, (_, i) => {
          const w = i === 0 ? capitalise(word()) : word()
          return i < length - 1 && random() < 0.08 ? `${w},` : w
        })
        sentences.push(`${sentence.join(' ')}.`)
      }
      paragraphs.push(sentences.join(' '))
    }
    words += wordsPerDoc
    const body = Buffer.from(JSON.stringify({ title, markdown: paragraphs.join('\n\n') }))
    bytes += body.byteLength
    bodies.push(body)
    titles.push(title)
  }
  return { vocabulary, bodies, titles, words, bytes }
}

/**
 * `count` queries over documents 0…docs-1: one or two terms (as likely), each term common,
 * medium, rare or a prefix (the first letters of a word past the common ones) with equal
 * probability, and `links` distinct random documents (all of them when there are fewer).
 */
export function generateQueries(
  vocabulary: readonly string[],
  count: number,
  docs: number,
  links: number,
  seed: number,
): SearchQuery[] {
  const random = seededRandom(seed ^ 0x5eac4)
  const rankIn = (lo: number, hi: number): string =>
    vocabulary[lo + Math.floor(random() * (Math.min(hi, vocabulary.length) - lo))] as string
  const classes = Object.values(TermClass)
  const indexes = Array.from({ length: docs }, (_, i) => i)
  const take = Math.min(links, docs)
  const out: SearchQuery[] = []
  for (let i = 0; i < count; i++) {
    const terms: string[] = []
    const termClasses: TermClass[] = []
    const n = random() < 0.5 ? 1 : 2
    for (let t = 0; t < n; t++) {
      const c = classes[Math.floor(random() * classes.length)] as TermClass
      termClasses.push(c)
      if (c === TermClass.common) terms.push(rankIn(0, COMMON_RANKS))
      else if (c === TermClass.medium) terms.push(rankIn(COMMON_RANKS, MEDIUM_RANKS))
      else if (c === TermClass.rare) terms.push(rankIn(MEDIUM_RANKS, vocabulary.length))
      else {
        let w = rankIn(COMMON_RANKS, vocabulary.length)
        while (w.length <= PREFIX_LETTERS) w = rankIn(COMMON_RANKS, vocabulary.length)
        terms.push(w.slice(0, PREFIX_LETTERS))
      }
    }
    // A partial Fisher–Yates shuffle: the first `take` entries are a uniform random subset.
    for (let j = 0; j < take; j++) {
      const k = j + Math.floor(random() * (docs - j))
      const tmp = indexes[j] as number
      indexes[j] = indexes[k] as number
      indexes[k] = tmp
    }
    out.push({ q: terms.join(' '), classes: termClasses, docs: indexes.slice(0, take) })
  }
  return out
}
