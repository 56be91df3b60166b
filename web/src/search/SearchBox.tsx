import { MAX_SEARCH_QUERY_LENGTH } from '@tandem/shared'
import { useEffect, type KeyboardEvent, type RefObject } from 'react'
import { icons } from '../components/icons'

interface SearchBoxProps {
  value: string
  onChange: (value: string) => void
  inputRef: RefObject<HTMLInputElement | null>
  /** The id of the results list the box controls, while it shows. */
  resultsId: string | undefined
  /** Arrow Down: move into the results. */
  onArrowDown: () => void
  /** Enter: open the first result. */
  onEnter: () => void
}

/** True when `target` takes typed text, so a `/` typed there is text, not the shortcut. */
function takesText(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || target.matches('input, textarea, select'))
  )
}

/**
 * The search field of the home page, labelled "Search your documents". `/` anywhere else on the
 * page focuses it; Escape clears it, or when empty leaves it; Arrow Down goes to the results and
 * Enter opens the first one.
 */
export function SearchBox({
  value,
  onChange,
  inputRef,
  resultsId,
  onArrowDown,
  onEnter,
}: SearchBoxProps) {
  useEffect(() => {
    const onKeyDown = (event: globalThis.KeyboardEvent): void => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return
      if (event.defaultPrevented || event.isComposing || takesText(event.target)) return
      const input = inputRef.current
      if (!input) return
      event.preventDefault()
      input.focus()
      input.select()
    }
    document.addEventListener('keydown', onKeyDown)
    return () => document.removeEventListener('keydown', onKeyDown)
  }, [inputRef])

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (event.nativeEvent.isComposing) return
    if (event.key === 'Escape') {
      event.preventDefault()
      if (value) onChange('')
      else event.currentTarget.blur()
    } else if (event.key === 'ArrowDown' && resultsId) {
      event.preventDefault()
      onArrowDown()
    } else if (event.key === 'Enter') {
      event.preventDefault()
      onEnter()
    }
  }

  return (
    <div className="search-box" role="search">
      <label htmlFor="document-search" className="visually-hidden">
        Search your documents
      </label>
      <span className="search-icon">{icons.search}</span>
      <input
        ref={inputRef}
        id="document-search"
        className="search-input"
        type="search"
        placeholder="Search your documents"
        autoComplete="off"
        spellCheck={false}
        maxLength={MAX_SEARCH_QUERY_LENGTH}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={onKeyDown}
        aria-controls={resultsId}
        aria-keyshortcuts="/"
      />
      <kbd className="search-shortcut" aria-hidden="true">
        /
      </kbd>
    </div>
  )
}
