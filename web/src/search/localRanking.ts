import {
  localScore,
  makeSnippet,
  MAX_SEARCH_RESULTS,
  searchTerms,
  type DocumentText,
  type SearchResult,
} from '@tandem/shared'

/** The text of one document as this browser's copy holds it. */
export interface LocalText {
  /** The link it was opened with. */
  id: string
  text: DocumentText
  /** When it was last opened here, in epoch milliseconds (the copy knows no edit time). */
  openedMs: number
}

/**
 * Searches `copies` for the words of `query` as the server would: every word must match in the
 * title or the text; best first (see `localScore`), the more recently opened first among equals;
 * at most {@link MAX_SEARCH_RESULTS}. A result's `updatedAt` is when it was opened here.
 */
export function rankLocal(copies: readonly LocalText[], query: string): SearchResult[] {
  const terms = searchTerms(query)
  const scored: Array<{ copy: LocalText; score: number }> = []
  for (const copy of copies) {
    const score = localScore(copy.text, terms)
    if (score !== undefined) scored.push({ copy, score })
  }
  scored.sort((a, b) => b.score - a.score || b.copy.openedMs - a.copy.openedMs)
  return scored.slice(0, MAX_SEARCH_RESULTS).map(({ copy }) => {
    const snippet = makeSnippet(copy.text.body, terms)
    return {
      id: copy.id,
      title: copy.text.title,
      snippet: snippet.text,
      matches: snippet.matches,
      updatedAt: new Date(copy.openedMs).toISOString(),
    }
  })
}
