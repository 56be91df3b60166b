import type { Node } from '@tiptap/pm/model'
import type { Editor } from '@tiptap/react'
import { useEditorState } from '@tiptap/react'

/** Counts of top-level blocks already counted, by block (blocks are immutable). */
const blockCounts = new WeakMap<Node, { words: number; characters: number }>()

interface Counts {
  words: number
  characters: number
  /** Counts of the selection; undefined when nothing is selected. */
  selection?: { words: number; characters: number }
}

/**
 * The status bar under the text: how many words and characters the document has, and how many of
 * them are selected when there is a selection. Counted by Tiptap's CharacterCount (set up in
 * extensions.ts to count words and characters as people see them, in every script).
 */
export function WordCount({ editor }: { editor: Editor }) {
  const counts = useEditorState({
    editor,
    selector: ({ editor: e }): Counts => {
      const { storage, state } = e
      const counter = storage.characterCount
      const { from, to, empty } = state.selection
      // Block by block, remembering unchanged blocks (ProseMirror keeps them as the same
      // objects): a keystroke recounts one block, not the whole document. Words never span
      // blocks, so the sums are exact.
      const counts: Counts = { words: 0, characters: 0 }
      state.doc.forEach((block) => {
        let known = blockCounts.get(block)
        if (!known) {
          known = {
            words: counter.words({ node: block }),
            characters: counter.characters({ node: block }),
          }
          blockCounts.set(block, known)
        }
        counts.words += known.words
        counts.characters += known.characters
      })
      if (!empty) {
        const node = state.doc.cut(from, to)
        counts.selection = {
          words: counter.words({ node }),
          characters: counter.characters({ node }),
        }
      }
      return counts
    },
    equalityFn: (a, b) =>
      b !== null &&
      a.words === b.words &&
      a.characters === b.characters &&
      a.selection?.words === b.selection?.words &&
      a.selection?.characters === b.selection?.characters,
  })
  const { words, characters, selection } = counts
  return (
    <div className="doc-statusbar" data-testid="word-count">
      <span className="word-count" aria-live="off">
        {selection ? (
          <>
            <span data-testid="selection-count">
              {selection.words.toLocaleString()} of {plural(words, 'word')},{' '}
              {selection.characters.toLocaleString()} of {plural(characters, 'character')} selected
            </span>
          </>
        ) : (
          <span data-testid="document-count">
            {plural(words, 'word')} · {plural(characters, 'character')}
          </span>
        )}
      </span>
    </div>
  )
}

function plural(count: number, noun: string): string {
  return `${count.toLocaleString()} ${noun}${count === 1 ? '' : 's'}`
}
