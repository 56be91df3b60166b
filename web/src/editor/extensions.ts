import type { Extensions } from '@tiptap/core'
import Collaboration from '@tiptap/extension-collaboration'
import CollaborationCaret from '@tiptap/extension-collaboration-caret'
import { TaskItem, TaskList } from '@tiptap/extension-list'
import { Placeholder } from '@tiptap/extensions'
import StarterKit from '@tiptap/starter-kit'
import type { CollabSession } from '../collab/CollabSession'
import { getIdentity } from '../presence/identity'
import { renderCaret, renderSelection } from './caret'

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
    CollaborationCaret.configure({
      provider: session.provider,
      user: getIdentity(),
      render: renderCaret,
      selectionRender: renderSelection,
    }),
  ]
}
