import type { JSONContent } from '@tiptap/core'
import type { Editor } from '@tiptap/react'

/** A document's title and text, ready to copy or save elsewhere. */
export interface DocumentExport {
  /** The title, trimmed; empty when the document has none. */
  title: string
  /** Plain text: the title, then the blocks, separated by blank lines. */
  text: string
  /** The same as HTML (the title as a heading), so pasting it into an editor keeps formatting. */
  html: string
  /** The rich text as Tiptap JSON, without the title (what Markdown and HTML files are made from). */
  content: JSONContent
}

/** Reads the current content of `editor` and `title` (live, unsaved changes included). */
export type DocumentExporter = () => DocumentExport

/** What `editor` shows now under `title`, as plain text and HTML. */
export function exportDocument(editor: Editor, title: string): DocumentExport {
  const trimmed = title.trim()
  const body = editor.getText({ blockSeparator: '\n\n' }).trim()
  const text = trimmed ? `${trimmed}\n\n${body}` : body
  const html = (trimmed ? `<h1>${escapeHtml(trimmed)}</h1>` : '') + editor.getHTML()
  return { title: trimmed, text: `${text}\n`, html, content: editor.getJSON() }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)
}
