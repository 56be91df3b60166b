import type { JSONContent } from '@tiptap/core'
import { generateHTML, generateJSON } from '@tiptap/html/server'
import { prosemirrorToYXmlFragment } from '@tiptap/y-tiptap'
import * as Y from 'yjs'
import { DocumentFields, Limits } from '@tandem/shared'
import { oneLineTitle } from '@tandem/shared/schema'
import { richText } from './richText.js'
import { checkImportedContent, fitMarkdownContent, UnconvertibleContentError } from './sanitize.js'

export { UnconvertibleContentError } from './sanitize.js'

/** Where imported content comes from: Markdown or HTML source text. */
export type ImportSource = { markdown: string } | { html: string }

/** A new document's first state, ready to store as its first update. */
export interface ImportedDocument {
  /** The title it got: the one given, else a leading level-1 heading's text, else empty. */
  title: string
  /** A Yjs update (V1) holding the title and the rich text, in the fields the editor reads. */
  update: Uint8Array
}

/**
 * Converts Markdown or HTML into a new document's state with the editor's schema.
 *
 * Both go through the schema's own HTML parse rules, the ones the editor applies to pasted HTML:
 * Markdown is parsed by `@tiptap/markdown` and rendered to HTML by `@tiptap/html` first. Those
 * rules keep only what the editor has a node or mark for, so scripts, styles, event handlers and
 * unknown elements never get in, a link the Link extension refuses (`javascript:`, `data:`…)
 * stays plain text, and whatever the parser produced is fitted into a valid document (a heading
 * in a list item, bold code…). Markdown's soft line breaks become spaces, as when it is rendered.
 *
 * With no `title`, a leading level-1 heading becomes the title and leaves the body, so an export
 * (which starts with its title as that heading) imports as the same document.
 * Throws {@link UnconvertibleContentError} when the source cannot become a document.
 */
export function importDocument(source: ImportSource, title?: string): ImportedDocument {
  const { schema, isAllowedHref } = richText()
  let blocks = checkImportedContent(parse(source), isAllowedHref).content ?? []

  let finalTitle = title === undefined ? '' : oneLineTitle(title)
  if (title === undefined) {
    const heading = leadingTitle(blocks)
    if (heading !== undefined) {
      finalTitle = heading
      blocks = blocks.slice(1)
    }
  }

  const doc = new Y.Doc()
  if (finalTitle) doc.getText(DocumentFields.title).insert(0, finalTitle)
  // An empty body stays an empty fragment, as in a document created empty: the editor shows
  // its placeholder, and nobody's client writes a paragraph into it.
  if (blocks.some((block) => !isEmptyParagraph(block))) {
    let node
    try {
      node = schema.nodeFromJSON({ type: 'doc', content: blocks })
      node.check()
    } catch (err) {
      throw new UnconvertibleContentError(
        `The content does not fit the editor's document structure: ${messageOf(err)}`,
      )
    }
    prosemirrorToYXmlFragment(node, doc.getXmlFragment(DocumentFields.content))
  }
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return { title: finalTitle, update }
}

/** The source as Tiptap JSON, through the schema's HTML parse rules. */
function parse(source: ImportSource): JSONContent {
  const { schema, extensions, markdown } = richText()
  const what = 'markdown' in source ? 'Markdown' : 'HTML'
  try {
    // Raw HTML inside Markdown stays literal text: the Markdown manager reads it through a DOM
    // only in browsers.
    const html =
      'markdown' in source
        ? generateHTML(fitMarkdownContent(markdown.parse(source.markdown), schema), extensions)
        : source.html
    return generateJSON(html, extensions) as JSONContent
  } catch (err) {
    // A stack overflow is what absurd nesting does to parsers.
    const why = err instanceof RangeError ? 'it is nested too deeply' : messageOf(err)
    throw new UnconvertibleContentError(`The ${what} could not be converted: ${why}`)
  }
}

/** The text of a leading level-1 heading that can serve as the title, if there is one. */
function leadingTitle(blocks: readonly JSONContent[]): string | undefined {
  const first = blocks[0]
  if (first?.type !== 'heading' || first.attrs?.level !== 1) return undefined
  const text = oneLineTitle(textOf(first))
  // A heading longer than a title may be stays in the body rather than be cut short.
  return text && text.length <= Limits.maxTitleLength ? text : undefined
}

function textOf(node: JSONContent): string {
  if (node.type === 'text') return node.text ?? ''
  if (node.type === 'hardBreak') return ' '
  return (node.content ?? []).map(textOf).join('')
}

function isEmptyParagraph(block: JSONContent): boolean {
  return block.type === 'paragraph' && (block.content ?? []).length === 0
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
