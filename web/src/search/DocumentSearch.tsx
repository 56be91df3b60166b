import { useRef, useState, type ReactNode } from 'react'
import type { RecentDocument } from '../collab'
import { SearchBox } from './SearchBox'
import { SEARCH_RESULTS_ID, SearchResults } from './SearchResults'
import { useDocumentSearch, type DocumentSearch as Search } from './useDocumentSearch'

interface DocumentSearchProps {
  /** The documents to search: this browser's recent list. */
  recent: readonly RecentDocument[]
  /** What shows while nothing is searched for (the recent list). */
  children: ReactNode
}

/**
 * Search across this browser's documents: the search box, and while it holds a word, the
 * results in place of `children`. The number found is announced to screen readers.
 */
export function DocumentSearch({ recent, children }: DocumentSearchProps) {
  const [query, setQuery] = useState('')
  const search = useDocumentSearch(query, recent)
  const inputRef = useRef<HTMLInputElement>(null)
  const listRef = useRef<HTMLUListElement>(null)
  const { view } = search
  const hasResults = view !== undefined && !view.error && view.results.length > 0

  const firstResult = (): HTMLAnchorElement | null | undefined =>
    listRef.current?.querySelector<HTMLAnchorElement>('a[href]')

  return (
    <>
      <SearchBox
        value={query}
        onChange={setQuery}
        inputRef={inputRef}
        resultsId={search.active && hasResults ? SEARCH_RESULTS_ID : undefined}
        onArrowDown={() => firstResult()?.focus()}
        // Only results for what is typed now: an older query's first result is not what was meant.
        onEnter={() => {
          if (!search.pending) firstResult()?.click()
        }}
      />
      {search.active ? (
        <SearchResults view={view} pending={search.pending} listRef={listRef} inputRef={inputRef} />
      ) : (
        children
      )}
      <p role="status" className="visually-hidden">
        {announcement(search)}
      </p>
    </>
  )
}

/** What screen readers hear once a search answers: how many documents it found, and where. */
function announcement({ active, pending, view }: Search): string {
  if (!active || pending || !view) return ''
  if (view.error) return view.error
  const count = view.results.length
  const found =
    count === 0 ? 'No documents match' : `${count} ${count === 1 ? 'document' : 'documents'} found`
  return view.source === 'local' ? `${found} in this browser’s copies (offline)` : found
}
