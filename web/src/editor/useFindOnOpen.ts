import { searchTerms } from '@tandem/shared'
import type { Editor } from '@tiptap/core'
import { useEffect, useRef } from 'react'
import { findFirstMatch } from './findText'

/**
 * Once `ready` (the document's content is in the editor), selects the first word of the text
 * matching `query` and scrolls it into view, then calls `done` (also when nothing matches, as
 * when only the title did). Runs once per editor; nothing happens without a query.
 */
export function useFindOnOpen(
  editor: Editor,
  query: string | undefined,
  ready: boolean,
  done: (() => void) | undefined,
): void {
  const handled = useRef<Editor>(undefined)
  useEffect(() => {
    if (!query || !ready || handled.current === editor || editor.isDestroyed) return
    handled.current = editor
    const range = findFirstMatch(editor.state.doc, searchTerms(query))
    if (range) {
      // Focused, so the selection shows (and typing replaces it, as after any find). Focus first:
      // it restores the editor's selection as it was before the chain.
      editor.chain().focus().setTextSelection(range).scrollIntoView().run()
    }
    done?.()
  }, [editor, query, ready, done])
}
