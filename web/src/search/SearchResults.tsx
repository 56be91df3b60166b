import { findMatches, searchTerms, type SearchResult } from '@tandem/shared'
import type { KeyboardEvent, RefObject } from 'react'
import { Link } from '../components/Link'
import { relativeTime } from '../components/relativeTime'
import { findPath } from './findParam'
import { Highlighted } from './Highlighted'
import type { SearchSource } from './searchClient'
import type { SearchView } from './useDocumentSearch'

/** The id of the results list, which the search box controls. */
export const SEARCH_RESULTS_ID = 'search-results'

interface SearchResultsProps {
  /** The latest finished search; undefined while the first one runs. */
  view: SearchView | undefined
  /** A newer search is waiting or under way: the results shown are for an older query. */
  pending: boolean
  listRef: RefObject<HTMLUListElement | null>
  /** The search box, where the focus goes back to from the list. */
  inputRef: RefObject<HTMLInputElement | null>
}

/**
 * The documents a search found, best first, as a list of links (each opens its document at the
 * first match): the title and an excerpt with the matching words marked, and when it was last
 * edited (offline: opened here). Arrow keys, Home and End move between them; Arrow Up from the
 * first, Escape or typing go back to the search box.
 */
export function SearchResults({ view, pending, listRef, inputRef }: SearchResultsProps) {
  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>): void => {
    const links = [...event.currentTarget.querySelectorAll<HTMLAnchorElement>('a[href]')]
    const index = links.findIndex((link) => link === document.activeElement)
    let next: HTMLElement | null | undefined
    if (event.key === 'ArrowDown') next = links[Math.min(links.length - 1, index + 1)]
    else if (event.key === 'ArrowUp') next = index <= 0 ? inputRef.current : links[index - 1]
    else if (event.key === 'Home') next = links[0]
    else if (event.key === 'End') next = links.at(-1)
    else if (event.key === 'Escape') next = inputRef.current
    else if (isTyping(event)) {
      // Not prevented: the key lands in the search box, which now has the focus.
      inputRef.current?.focus()
      return
    } else return
    event.preventDefault()
    next?.focus()
  }

  if (!view) {
    return <p className="muted search-message">Searching…</p>
  }
  const terms = searchTerms(view.query)
  return (
    <div className="search-results" aria-busy={pending}>
      {view.source === 'local' && (
        <p className="search-note muted">Searching this browser’s copies (offline)</p>
      )}
      {view.error ? (
        <p className="error-text search-message">{view.error}</p>
      ) : view.results.length === 0 ? (
        <p className="muted search-message">No documents match “{view.query}”.</p>
      ) : (
        <ul
          ref={listRef}
          id={SEARCH_RESULTS_ID}
          className="recent-list"
          aria-label="Search results"
          onKeyDown={onKeyDown}
        >
          {view.results.map((result) => (
            <li key={result.id} className="recent-item">
              <ResultLink result={result} query={view.query} terms={terms} source={view.source} />
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

interface ResultLinkProps {
  result: SearchResult
  query: string
  terms: string[]
  source: SearchSource
}

function ResultLink({ result, query, terms, source }: ResultLinkProps) {
  const updatedMs = Date.parse(result.updatedAt)
  return (
    <Link href={findPath(result.id, query)} className="recent-link search-result">
      <span className="recent-title">
        {result.title ? (
          <Highlighted text={result.title} ranges={findMatches(result.title, terms)} />
        ) : (
          'Untitled'
        )}
      </span>
      {result.snippet && (
        <span className="search-snippet">
          <Highlighted text={result.snippet} ranges={result.matches} />
        </span>
      )}
      {Number.isFinite(updatedMs) && (
        <span className="recent-meta">
          {source === 'local' ? 'Opened here ' : 'Edited '}
          <time dateTime={new Date(updatedMs).toISOString()}>{relativeTime(updatedMs)}</time>
        </span>
      )}
    </Link>
  )
}

/** A key that types a character (or deletes one), without a shortcut's modifiers. */
function isTyping(event: KeyboardEvent): boolean {
  if (event.ctrlKey || event.metaKey || event.altKey) return false
  return event.key.length === 1 || event.key === 'Backspace'
}
