import { Extension, type Extensions } from '@tiptap/core'
import Collaboration from '@tiptap/extension-collaboration'
import { TaskItem, TaskList } from '@tiptap/extension-list'
import { Placeholder } from '@tiptap/extensions'
import StarterKit from '@tiptap/starter-kit'
import { yCursorPlugin } from '@tiptap/y-tiptap'
import type { Awareness } from 'y-protocols/awareness'
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
 * Every extension the editor uses, bound to `session`. All are registered when the editor is
 * created; none is added later. The content comes only from the shared document: nothing is
 * seeded here.
 */
export function createExtensions(session: CollabSession): Extensions {
  return [
    StarterKit.configure({
      // Collaboration brings its own per-user undo (Yjs UndoManager); the built-in one would
      // undo other people's edits too.
      undoRedo: false,
      // The trailing paragraph is written into the shared document by whoever opens it, so it
      // would seed content from the client (and duplicate when two people open at once).
      trailingNode: false,
      heading: { levels: [1, 2, 3] },
      link: {
        openOnClick: false,
        autolink: true,
        linkOnPaste: true,
        defaultProtocol: 'https',
        HTMLAttributes: { rel: 'noopener noreferrer nofollow', target: '_blank' },
      },
    }),
    TaskList,
    TaskItem.configure({ nested: true }),
    Placeholder.configure({ placeholder: 'Start writing…' }),
    Collaboration.configure({ fragment: session.content }),
    carets(session.awareness),
  ]
}
