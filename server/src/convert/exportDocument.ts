import { getText, getTextSerializersFromSchema, type JSONContent } from '@tiptap/core'
import { generateHTML } from '@tiptap/html/server'
import { yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap'
import { Window } from 'happy-dom'
import * as Y from 'yjs'
import { DocumentFields, EXPORT_PAGE_STYLE, ExportFormat, UNTITLED_FILE_NAME } from '@tandem/shared'
import { dropUnsafeLinks, oneLineTitle, withTitleHeading } from '@tandem/shared/schema'
import { richText } from './richText.js'

/** A document converted for export. */
export interface ExportedDocument {
  /** The title as one line (empty when there is none), for the file name. */
  title: string
  /** The file's text; it ends with a line break. */
  body: string
}

/**
 * Converts a document's state (a Yjs update of the whole document, as the room holds it) to
 * Markdown, a self-contained HTML page, or plain text, with the editor's schema, starting with the
 * title as a level-1 heading when there is one.
 *
 * The state is read into a document of its own: the Yjs-to-ProseMirror binding repairs what does
 * not fit the schema by deleting it from the Y.Doc it reads, which must never be the room's
 * committed one. Nodes the schema does not know are left out of the export, and so are links to
 * what the Link extension refuses (`javascript:`…), which a client could have written directly.
 */
export function exportDocument(state: Uint8Array, format: ExportFormat): ExportedDocument {
  const { schema } = richText()
  const ydoc = new Y.Doc({ gc: false })
  let title: string
  let content: JSONContent
  try {
    Y.applyUpdate(ydoc, state)
    title = oneLineTitle(ydoc.getText(DocumentFields.title).toString())
    const root = yXmlFragmentToProseMirrorRootNode(
      ydoc.getXmlFragment(DocumentFields.content),
      schema,
    )
    const safe = dropUnsafeLinks(root.toJSON() as JSONContent, richText().isAllowedHref)
    content = withTitleHeading(safe, title)
  } finally {
    ydoc.destroy()
  }
  switch (format) {
    case ExportFormat.markdown:
      return { title, body: endWithNewline(richText().markdown.serialize(content)) }
    case ExportFormat.html:
      return { title, body: htmlPage(title, generateHTML(content, richText().extensions)) }
    case ExportFormat.text:
      return { title, body: endWithNewline(plainText(content)) }
  }
}

/**
 * The text of each paragraph, heading and code block, a blank line between them (lists and quotes
 * lose their markers, empty paragraphs are left out); a hard break is a line break.
 */
function plainText(content: JSONContent): string {
  const { schema } = richText()
  // A document with no blocks at all is valid here: only the schema's content rule says `block+`.
  if (!content.content?.length) return ''
  const textSerializers = getTextSerializersFromSchema(schema)
  const blocks: string[] = []
  schema.nodeFromJSON(content).descendants((node) => {
    if (!node.isTextblock) return true
    const text = getText(node, { blockSeparator: '\n', textSerializers })
    if (text.trim()) blocks.push(text)
    return false
  })
  return blocks.join('\n\n')
}

/**
 * A whole HTML page around `bodyHtml` (the serialiser's output): doctype, UTF-8, a viewport, the
 * title, and a small inline style sheet, so it reads well opened from disk, printed or mailed. The
 * head is built as a DOM (happy-dom, which `@tiptap/html` uses too), so the title is escaped by a
 * real serialiser; the body goes in as it came, not parsed a second time.
 */
function htmlPage(title: string, bodyHtml: string): string {
  const window = new Window({
    settings: {
      disableJavaScriptEvaluation: true,
      disableJavaScriptFileLoading: true,
      disableCSSFileLoading: true,
      disableIframePageLoading: true,
      disableComputedStyleRendering: true,
    },
  })
  let head: string
  try {
    const { document } = window
    const charset = document.createElement('meta')
    charset.setAttribute('charset', 'utf-8')
    const viewport = document.createElement('meta')
    viewport.setAttribute('name', 'viewport')
    viewport.setAttribute('content', 'width=device-width, initial-scale=1')
    const titleElement = document.createElement('title')
    titleElement.textContent = title || UNTITLED_FILE_NAME
    const style = document.createElement('style')
    style.textContent = EXPORT_PAGE_STYLE
    document.head.replaceChildren(charset, viewport, titleElement, style)
    head = document.head.outerHTML
  } finally {
    window.happyDOM.abort()
    void window.happyDOM.close()
  }
  return `<!doctype html>\n<html>${head}<body><main>${bodyHtml}</main></body></html>\n`
}

function endWithNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`
}
