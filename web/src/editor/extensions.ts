import { Extension, type Extensions } from '@tiptap/core'
import Collaboration from '@tiptap/extension-collaboration'
import { CharacterCount, Placeholder } from '@tiptap/extensions'
import { yCursorPlugin } from '@tiptap/y-tiptap'
import type { Awareness } from 'y-protocols/awareness'
import { createSchemaExtensions } from '@tandem/shared/schema'
import type { CollabSession } from '../collab'
import { renderCaret, renderSelection } from './caret'

/**
 * Everyone else's caret and selection. y-tiptap's cursor plugin directly rather than Tiptap's
 * CollaborationCaret extension, whose wrapper hides the client id from the render functions and
 * turns every colour but `#rrggbb` into `transparent`: carets here take the same name and colour
 * as the presence bar (see `displayUser`). This tab's own `user` field is published by the session.
 */
function carets(awareness: Awareness): Extension {
  return Extension.create({
    name: 'carets',
    // After Collaboration (1000): the cursor plugin reads the sync plugin's state.
    priority: 999,
    addProseMirrorPlugins() {
      return [
        yCursorPlugin(awareness, { cursorBuilder: renderCaret, selectionBuilder: renderSelection }),
      ]
    },
  })
}

/**
 * The extensions that make up the document's schema and how it renders (blocks, marks, links,
 * task lists), without collaboration or editing aids: every editor of a document's content
 * (the live one, the history's read-only preview) uses exactly these, so both read the same
 * shared document the same way.
 */
export function contentExtensions(): Extensions {
  // One definition for the editor and the server's Markdown/HTML conversion: @tandem/shared/schema.
  return createSchemaExtensions()
}

/**
 * Every extension the editor uses, bound to `session`. All are registered when the editor is
 * created; none is added later. The content comes only from the shared document: nothing is
 * seeded here.
 */
export function createExtensions(session: CollabSession): Extensions {
  return [
    ...contentExtensions(),
    Placeholder.configure({ placeholder: 'Start writing…' }),
    CharacterCount.configure({ textCounter: countCharacters, wordCounter: countWords }),
    Collaboration.configure({ fragment: session.content }),
    carets(session.awareness),
  ]
}

// Intl.Segmenter splits text as people read it in every script (a word of Japanese has no spaces
// around it; an emoji with skin tone is one character); without it, spaces and code units.
const graphemes = typeof Intl.Segmenter === 'function' ? new Intl.Segmenter() : undefined
const words =
  typeof Intl.Segmenter === 'function'
    ? new Intl.Segmenter(undefined, { granularity: 'word' })
    : undefined

/** Characters as people count them (grapheme clusters), spaces included. */
function countCharacters(text: string): number {
  if (!graphemes) return text.length
  let count = 0
  for (const _ of graphemes.segment(text)) count++
  return count
}

/** Words: runs of letters or digits in any script, punctuation and spaces aside. */
function countWords(text: string): number {
  if (!words) return text.split(/\s+/).filter((word) => word !== '').length
  let count = 0
  for (const segment of words.segment(text)) if (segment.isWordLike) count++
  return count
}
