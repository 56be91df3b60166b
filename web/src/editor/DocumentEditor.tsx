import { EditorContent, useEditor } from '@tiptap/react'
import { useEffect, useState, type RefObject } from 'react'
import type { CollabSession, SessionStatus } from '../collab'
import { exportDocument, type DocumentExporter } from './documentExport'
import { createExtensions } from './extensions'
import { TitleField } from './TitleField'
import { Toolbar } from './Toolbar'
import { useFindOnOpen } from './useFindOnOpen'
import { WordCount } from './WordCount'

interface DocumentEditorProps {
  session: CollabSession
  status: SessionStatus
  /** Receives a reader of the current title and text while the editor exists (for copying). */
  exporterRef?: RefObject<DocumentExporter | null>
  /** Words to find once the document has loaded: the first match is selected and shown. */
  find?: string | undefined
  /** Called once {@link find} has been looked for (found or not). */
  onFindDone?: (() => void) | undefined
}

/**
 * The title and the rich-text editor of one document. The editor root carries `data-sync`,
 * `data-connection` and `data-saved` so tests (and curious people) can see the sync state.
 */
export function DocumentEditor({
  session,
  status,
  exporterRef,
  find,
  onFindDone,
}: DocumentEditorProps) {
  const [linkOpen, setLinkOpen] = useState(false)
  const editable = !status.readOnly && !status.full && status.connection !== 'stopped'

  const editor = useEditor(
    {
      extensions: createExtensions(session),
      editable,
      shouldRerenderOnTransaction: false,
      editorProps: {
        // The caret stays clear of the word count at the bottom of the window.
        scrollMargin: { top: 8, right: 8, bottom: 56, left: 8 },
        scrollThreshold: { top: 8, right: 8, bottom: 56, left: 8 },
        attributes: {
          class: 'prose',
          'aria-label': 'Document text',
          'aria-multiline': 'true',
          role: 'textbox',
          spellcheck: 'true',
        },
        handleKeyDown: (_view, event) => {
          if (
            (event.metaKey || event.ctrlKey) &&
            !event.altKey &&
            event.key.toLowerCase() === 'k'
          ) {
            event.preventDefault()
            setLinkOpen(true)
            return true
          }
          return false
        },
      },
    },
    [session],
  )

  useEffect(() => {
    if (editor.isEditable !== editable) editor.setEditable(editable)
  }, [editor, editable])

  // The server's copy, or offline the one on this device: either way the text as it stands.
  const loaded =
    status.synced ||
    (status.localLoaded && (status.connection === 'offline' || status.connection === 'stopped'))
  useFindOnOpen(editor, find, loaded, onFindDone)

  useEffect(() => {
    if (!exporterRef) return
    exporterRef.current = () => exportDocument(editor, session.title.toString())
    return () => {
      exporterRef.current = null
    }
  }, [editor, exporterRef, session])

  return (
    <>
      {/* Nothing to format where nothing can be changed: a view link, or a link that is dead. */}
      {!status.readOnly && !status.deadLink && (
        <Toolbar
          editor={editor}
          disabled={!editable}
          linkOpen={linkOpen}
          setLinkOpen={setLinkOpen}
        />
      )}
      <div className="page">
        <TitleField
          title={session.title}
          readOnly={!editable}
          onEnter={() => editor.commands.focus('start')}
        />
        <EditorContent
          editor={editor}
          className="editor"
          data-testid="editor"
          data-sync={status.synced ? 'synced' : 'syncing'}
          data-local={status.localLoaded ? 'loaded' : 'loading'}
          data-connection={status.connection}
          data-saved={status.save}
        />
      </div>
      <WordCount editor={editor} />
    </>
  )
}
