import { generateHTML, type JSONContent } from '@tiptap/core'
import type { MarkdownManager } from '@tiptap/markdown'
import { EXPORT_PAGE_STYLE, ExportFormat, exportFileName, UNTITLED_FILE_NAME } from '@tandem/shared'
import {
  createSchemaExtensions,
  dropUnsafeLinks,
  linkHrefValidator,
  oneLineTitle,
  withTitleHeading,
} from '@tandem/shared/schema'

/** A file to save: its name, its text and its MIME type (with charset). */
export interface DocumentFile {
  name: string
  text: string
  type: string
}

/** What a file is made from: the title and the rich text as Tiptap JSON (see DocumentExport). */
export interface DocumentSource {
  title: string
  content: JSONContent
}

let markdown: Promise<MarkdownManager> | undefined
let isAllowedHref: ((href: string) => boolean) | undefined

/**
 * What a file is made of: the title as a level-1 heading, then the text, without links to what the
 * editor refuses (`javascript:`…) that someone could have written into the document directly.
 */
function fileContent(source: DocumentSource): JSONContent {
  isAllowedHref ??= linkHrefValidator(createSchemaExtensions())
  return withTitleHeading(dropUnsafeLinks(source.content, isAllowedHref), source.title)
}

/**
 * Tiptap's Markdown serialiser over the editor's schema, loaded on first use (it is only needed
 * for exports, so it stays out of the editor's bundle).
 */
function markdownManager(): Promise<MarkdownManager> {
  markdown ??= import('@tiptap/markdown').then(
    ({ MarkdownManager }) => new MarkdownManager({ extensions: createSchemaExtensions() }),
  )
  return markdown
}

/**
 * The document as Markdown, exactly as the server's export writes it (the same serialiser and
 * schema): the title as a level-1 heading, then the text; it ends with a line break.
 */
export async function markdownFile(source: DocumentSource): Promise<DocumentFile> {
  const manager = await markdownManager()
  const text = manager.serialize(fileContent(source))
  return {
    name: exportFileName(source.title, ExportFormat.markdown),
    text: text.endsWith('\n') ? text : `${text}\n`,
    type: 'text/markdown;charset=utf-8',
  }
}

/**
 * The document as a self-contained HTML page, as the server's export makes it: UTF-8, the title,
 * the same small style sheet, and the text rendered by the editor's own schema.
 */
export function htmlFile(source: DocumentSource): DocumentFile {
  const body = generateHTML(fileContent(source), createSchemaExtensions())
  const page = document.implementation.createHTMLDocument(
    oneLineTitle(source.title) || UNTITLED_FILE_NAME,
  )
  const charset = page.createElement('meta')
  charset.setAttribute('charset', 'utf-8')
  const viewport = page.createElement('meta')
  viewport.setAttribute('name', 'viewport')
  viewport.setAttribute('content', 'width=device-width, initial-scale=1')
  const style = page.createElement('style')
  style.textContent = EXPORT_PAGE_STYLE
  page.head.prepend(charset, viewport)
  page.head.append(style)
  const head = page.head.outerHTML
  return {
    name: exportFileName(source.title, ExportFormat.html),
    text: `<!doctype html>\n<html>${head}<body><main>${body}</main></body></html>\n`,
    type: 'text/html;charset=utf-8',
  }
}
