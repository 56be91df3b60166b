import type { DisplayUser } from '@tandem/shared'
import { Extension, Mark, type Extensions } from '@tiptap/core'
import { ySyncPlugin } from '@tiptap/y-tiptap'
import type * as Y from 'yjs'
import { contentExtensions } from '../editor'

/** The author of what Yjs client `clientId` wrote, as it is safe to render (see displayUser). */
export type AuthorLookup = (clientId: number) => DisplayUser

/**
 * y-tiptap's snapshot rendering names the author of each insertion through Yjs'
 * PermanentUserData. Ours come from the version's `clients` instead, so this stand-in names each
 * insertion by its Yjs client id (a number, which also lets y-tiptap merge a client's adjacent
 * runs) and each deletion by nobody: the server records who inserted, not who deleted.
 */
const byClientId = {
  dss: new Map(),
  getUserByClientId: (clientId: number): number => clientId,
  getUserByDeletedId: (): null => null,
} as unknown as Y.PermanentUserData

/** A change as y-tiptap attaches it to text (a mark) and to blocks (a node attribute). */
interface YChange {
  type?: unknown
  user?: unknown
}

/**
 * y-tiptap's `ychange` mark on text that differs between the two snapshots: an insertion as
 * `<ins>` underlined and tinted in its author's colour, a deletion as `<del>` struck through.
 * The colour is only ever the `#rrggbb` that `authorOf` returns, and the name goes into an
 * attribute through the DOM, never into markup.
 */
function changeMark(authorOf: AuthorLookup) {
  return Mark.create({
    name: 'ychange',
    inclusive: false,
    // Two runs of different authors side by side are two marks, not one replacing the other.
    excludes: '',
    addAttributes() {
      return {
        user: { default: null, rendered: false },
        type: { default: null, rendered: false },
        color: { default: null, rendered: false },
      }
    },
    parseHTML() {
      return []
    },
    renderHTML({ mark }) {
      const change = mark.attrs as YChange
      if (change.type === 'removed') {
        return ['del', { class: 'history-removed', title: 'Deleted' }, 0]
      }
      if (typeof change.user !== 'number') return ['ins', { class: 'history-added' }, 0]
      const author = authorOf(change.user)
      return [
        'ins',
        {
          class: 'history-added',
          title: `Added by ${author.name}`,
          'data-author': author.name,
          style: `--author-color: ${author.color}`,
        },
        0,
      ]
    },
  })
}

/** The block types a whole insertion or deletion can be: marked `data-change` on the block. */
const BLOCK_TYPES = [
  'paragraph',
  'heading',
  'blockquote',
  'codeBlock',
  'bulletList',
  'orderedList',
  'listItem',
  'taskList',
  'taskItem',
  'horizontalRule',
]

const blockChanges = Extension.create({
  name: 'blockChanges',
  addGlobalAttributes() {
    return [
      {
        types: BLOCK_TYPES,
        attributes: {
          ychange: {
            default: null,
            parseHTML: () => null,
            renderHTML: (attributes) => {
              const type = (attributes.ychange as YChange | null)?.type
              return type === 'removed' || type === 'added' ? { 'data-change': type } : {}
            },
          },
        },
      },
    ]
  },
})

/**
 * Binds the preview to `fragment` of a throwaway document with y-tiptap's sync plugin, whose
 * snapshot rendering draws a version with its changes. The preview never edits, so nothing is
 * ever written back (y-tiptap writes nothing while a snapshot is shown).
 */
function snapshotSync(fragment: Y.XmlFragment): Extension {
  return Extension.create({
    name: 'snapshotSync',
    addProseMirrorPlugins() {
      return [ySyncPlugin(fragment, { permanentUserData: byClientId })]
    },
  })
}

/**
 * The read-only preview's extensions: the document's own schema, the change marks and block
 * attributes, and the sync plugin bound to `fragment` (of a throwaway document, never the live
 * one). `authorOf` is read whenever an insertion is drawn.
 */
export function previewExtensions(fragment: Y.XmlFragment, authorOf: AuthorLookup): Extensions {
  return [...contentExtensions(), changeMark(authorOf), blockChanges, snapshotSync(fragment)]
}
