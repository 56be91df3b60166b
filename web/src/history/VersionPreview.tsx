import { DocumentFields, type DisplayUser } from '@tandem/shared'
import type { Editor, EditorEvents } from '@tiptap/core'
import { EditorContent, useEditor } from '@tiptap/react'
import { ySyncPluginKey } from '@tiptap/y-tiptap'
import { useEffect, useRef, useState } from 'react'
import * as Y from 'yjs'
import { previewExtensions, type AuthorLookup } from './previewExtensions'

/** What the preview is asked to show: `target` with the changes since `base` highlighted. */
export interface PreviewRequest {
  /** Names this pair (and, for the live document, its state): a new key renders again. */
  key: string
  /** The timeline entry shown (a version id, or `current`). */
  targetId: string
  /** What the changes are counted from: a version id, `current`, `empty` or `same`. */
  baseId: string
  /** The shown state, as a V2 update of the whole document. */
  targetV2: Uint8Array
  /** The state changes are counted from, as a V2 update; the same bytes for no highlights. */
  baseV2: Uint8Array
  title: string
  /** The base's title when it differs and changes are shown, otherwise undefined. */
  oldTitle: string | undefined
  /** The author of each insertion by Yjs client id. */
  authorOf: AuthorLookup
}

/** The people whose insertions are shown, and whether anything shown was deleted. */
interface Legend {
  authors: DisplayUser[]
  deletions: boolean
}

/**
 * Who inserted what in the rendered document (once per name and colour, in order of first
 * insertion), and whether it shows deletions: read from the `ychange` marks and attributes.
 */
function readLegend(editor: Editor, authorOf: AuthorLookup): Legend {
  const authors = new Map<string, DisplayUser>()
  let deletions = false
  const note = (change: unknown): void => {
    if (typeof change !== 'object' || change === null) return
    const { type, user } = change as { type?: unknown; user?: unknown }
    if (type === 'removed') deletions = true
    else if (type === 'added' && typeof user === 'number') {
      const author = authorOf(user)
      authors.set(`${author.name}\u0000${author.color}`, author)
    }
  }
  editor.state.doc.descendants((node) => {
    note(node.attrs.ychange)
    for (const mark of node.marks) if (mark.type.name === 'ychange') note(mark.attrs)
  })
  return { authors: [...authors.values()], deletions }
}

interface VersionPreviewProps {
  request: PreviewRequest | undefined
  /** Fetching what to show next; the last rendering stays meanwhile, dimmed. */
  loading: boolean
  /** Why nothing can be shown, for people. */
  error: string | undefined
  /** What is shown, e.g. "Draft for review, Today, 14:05". */
  label: string
  /** What it is compared with, e.g. "Changes since Today, 11:02", or undefined for none. */
  comparedWith: string | undefined
}

/**
 * A version of the document, read-only, with the changes since another one highlighted:
 * insertions in their author's colour, deletions struck through. Drawn by y-tiptap's snapshot
 * rendering in an editor of its own, bound to a throwaway Y.Doc that stays empty: the two states
 * are handed over as V2 updates, which y-tiptap replays into a history document of its own.
 */
export function VersionPreview({
  request,
  loading,
  error,
  label,
  comparedWith,
}: VersionPreviewProps) {
  // The throwaway document, for the editor's lifetime. Nothing is ever written to it.
  const [doc] = useState(() => new Y.Doc())
  useEffect(() => () => doc.destroy(), [doc])
  const authorOf = useRef<AuthorLookup>(() => ({ name: '', color: '#6b7280', role: undefined }))
  const [rendered, setRendered] = useState<{ key: string; legend: Legend }>()
  const render = useRef<(request: PreviewRequest) => void>(undefined)

  const editor = useEditor(
    {
      extensions: previewExtensions(doc.getXmlFragment(DocumentFields.content), (clientId) =>
        authorOf.current(clientId),
      ),
      editable: false,
      shouldRerenderOnTransaction: false,
      editorProps: {
        attributes: {
          class: 'prose',
          'aria-label': 'Text of this version',
          'aria-readonly': 'true',
          role: 'document',
        },
      },
    },
    [doc],
  )

  // y-tiptap draws a snapshot a tick after it is asked to, in a transaction of its own; each
  // request gets exactly one, in order, so the count says when the latest one is on screen.
  useEffect(() => {
    let requested = 0
    let drawn = 0
    let latest: PreviewRequest | undefined
    const onTransaction = ({ transaction }: EditorEvents['transaction']): void => {
      const meta = transaction.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean } | undefined
      const state = ySyncPluginKey.getState(editor.state) as { snapshot: unknown } | undefined
      if (!meta?.isChangeOrigin || state?.snapshot == null) return
      drawn += 1
      if (drawn === requested && latest) {
        setRendered({ key: latest.key, legend: readLegend(editor, latest.authorOf) })
      }
    }
    editor.on('transaction', onTransaction)
    render.current = (next) => {
      latest = next
      requested += 1
      authorOf.current = next.authorOf
      editor.view.dispatch(
        editor.state.tr.setMeta(ySyncPluginKey, {
          snapshot: next.targetV2,
          prevSnapshot: next.baseV2,
        }),
      )
    }
    return () => {
      editor.off('transaction', onTransaction)
      render.current = undefined
    }
  }, [editor])

  useEffect(() => {
    if (request && !editor.isDestroyed) render.current?.(request)
  }, [editor, request])

  const ready = !loading && !error && request !== undefined && rendered?.key === request.key
  const legend = rendered?.legend
  return (
    <section
      className="history-preview"
      aria-label="Version preview"
      aria-busy={!ready && !error}
      data-state={error ? 'error' : ready ? 'ready' : 'loading'}
      data-target={ready ? request.targetId : undefined}
      data-base={ready ? request.baseId : undefined}
      data-testid="history-preview"
    >
      <div className="history-preview-bar">
        <p className="history-preview-label">
          <strong>{label}</strong>
          {comparedWith && <span className="muted"> · {comparedWith}</span>}
        </p>
        {ready && comparedWith && legend && (
          <ul className="history-legend" aria-label="Changes shown">
            {legend.authors.map((author) => (
              <li key={`${author.name}\u0000${author.color}`} className="history-legend-author">
                <span
                  className="history-legend-swatch"
                  style={{ backgroundColor: author.color }}
                  aria-hidden="true"
                />
                Added by {author.name}
              </li>
            ))}
            {legend.deletions && (
              <li>
                <del className="history-removed">Deleted</del>
              </li>
            )}
            {legend.authors.length === 0 && !legend.deletions && (
              <li className="muted">No changes</li>
            )}
          </ul>
        )}
      </div>
      {error && (
        <p className="history-preview-error error-text" role="alert">
          {error}
        </p>
      )}
      {/* Kept mounted while an error shows: the editor's view lives in it. */}
      <div
        className="page history-page"
        hidden={error !== undefined}
        data-dimmed={!ready || undefined}
      >
        <h1 className="history-title">
          {request?.oldTitle !== undefined && (
            <>
              <del className="history-removed">{request.oldTitle || 'Untitled'}</del>{' '}
            </>
          )}
          {request?.title || <span className="muted">Untitled</span>}
        </h1>
        <EditorContent editor={editor} className="editor history-editor" />
      </div>
    </section>
  )
}
