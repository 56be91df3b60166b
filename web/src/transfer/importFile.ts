import {
  Limits,
  MAX_IMPORT_SOURCE_BYTES,
  type CreateDocumentBody,
  type CreatedDocument,
} from '@tandem/shared'
import { createDocument } from '../collab'

/** What the file picker offers, and what a drop accepts: by extension, or by MIME type. */
export const IMPORT_ACCEPT = '.md,.markdown,.html,.htm,.txt,text/markdown,text/html,text/plain'

type ImportKind = 'markdown' | 'html' | 'text'

/** A file that cannot be imported; the message can be shown as it is. */
export class ImportError extends Error {
  override name = 'ImportError'
}

/**
 * Creates a document from `file` (Markdown, HTML or plain text) and returns its links. The title
 * is the file's leading level-1 heading (the server takes it out of the text), else the file's
 * name. The content is converted once, on the server. Throws an {@link ImportError} or an
 * `ApiRequestError`, each with a message to show.
 */
export async function importFile(file: File): Promise<CreatedDocument> {
  const kind = kindOf(file)
  if (!kind) {
    throw new ImportError(
      `“${file.name}” is not a file Tandem imports: choose a .md, .markdown, .html or .txt file.`,
    )
  }
  if (file.size > MAX_IMPORT_SOURCE_BYTES) {
    throw new ImportError(
      `“${file.name}” is too large to import (at most ${MAX_IMPORT_SOURCE_BYTES / (1024 * 1024)} MiB).`,
    )
  }
  let text: string
  try {
    text = await file.text()
  } catch {
    throw new ImportError(`“${file.name}” could not be read.`)
  }
  return createDocument(await importBody(kind, text, titleFromFileName(file.name)))
}

/**
 * The request body for `text`: Markdown and HTML as they are (with the file name as the title
 * unless a leading level-1 heading will be), plain text as paragraphs of HTML (so characters that
 * mean something in Markdown stay text).
 */
async function importBody(
  kind: ImportKind,
  text: string,
  fileTitle: string,
): Promise<CreateDocumentBody> {
  switch (kind) {
    case 'markdown':
      return (await markdownStartsWithTitle(text))
        ? { markdown: text }
        : { title: fileTitle, markdown: text }
    case 'html':
      return htmlStartsWithTitle(text) ? { html: text } : { title: fileTitle, html: text }
    case 'text':
      return { title: fileTitle, html: textAsHtml(text) }
  }
}

function kindOf(file: File): ImportKind | undefined {
  const extension = /\.([^.]+)$/.exec(file.name)?.[1]?.toLowerCase()
  if (extension === 'md' || extension === 'markdown') return 'markdown'
  if (extension === 'html' || extension === 'htm') return 'html'
  if (extension === 'txt') return 'text'
  if (extension) return undefined
  if (file.type === 'text/markdown') return 'markdown'
  if (file.type === 'text/html') return 'html'
  if (file.type === 'text/plain') return 'text'
  return undefined
}

/** The file name without its extension, as one line of at most the title's length. */
export function titleFromFileName(name: string): string {
  const stem = name
    .replace(/\.[^.]+$/, '')
    .replace(/\s+/g, ' ')
    .trim()
  return Array.from(stem).slice(0, Limits.maxTitleLength).join('')
}

/**
 * Whether the first thing in the Markdown is a level-1 heading (`# Title` or `Title` over `===`),
 * as the same Markdown parser the server uses reads it.
 */
async function markdownStartsWithTitle(markdown: string): Promise<boolean> {
  // Loaded here, not with the home page: only an import needs the parser.
  const [{ MarkdownManager }, { createSchemaExtensions }] = await Promise.all([
    import('@tiptap/markdown'),
    import('@tandem/shared/schema'),
  ])
  const { instance } = new MarkdownManager({ extensions: createSchemaExtensions() })
  const first = instance.lexer(markdown).find((token) => token.type !== 'space')
  return first?.type === 'heading' && first.depth === 1 && first.text.trim() !== ''
}

/** Whether the first text in the HTML's body is inside an `<h1>` (parsed, never run). */
function htmlStartsWithTitle(html: string): boolean {
  const page = new DOMParser().parseFromString(html, 'text/html')
  const walker = page.createTreeWalker(page.body, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) =>
      node.textContent?.trim() && !node.parentElement?.closest('script, style, template, title')
        ? NodeFilter.FILTER_ACCEPT
        : NodeFilter.FILTER_SKIP,
  })
  return walker.nextNode()?.parentElement?.closest('h1') != null
}

/**
 * Plain text as HTML paragraphs (a blank line between paragraphs, a line break within one),
 * built as a DOM so every character stays text.
 */
function textAsHtml(text: string): string {
  const container = document.createElement('div')
  for (const block of text.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    if (!block.trim()) continue
    const paragraph = document.createElement('p')
    block.split('\n').forEach((line, i) => {
      if (i > 0) paragraph.append(document.createElement('br'))
      paragraph.append(line)
    })
    container.append(paragraph)
  }
  return container.innerHTML
}
