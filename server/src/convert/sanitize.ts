import type { JSONContent } from '@tiptap/core'
import type { Schema } from '@tiptap/pm/model'
import { dropUnsafeLinks, HEADING_LEVELS } from '@tandem/shared/schema'

/**
 * Deepest nesting an imported document may have, in nodes from the top (a paragraph in a list
 * item in a list is three deep). The editor and the Yjs binding walk documents recursively; an
 * import nested thousands deep would exhaust their stacks in every browser that opens it.
 */
export const MAX_IMPORT_DEPTH = 64

/** A code block's language as the editor keeps it: a short name such as `ts` or `c++`. */
const LANGUAGE = /^[\w#+.-]{1,64}$/

/** Imported content that cannot become a document; the message is for people. */
export class UnconvertibleContentError extends Error {
  override name = 'UnconvertibleContentError'
}

/**
 * Prepares what the Markdown parser made for rendering with the schema: nodes the schema does not
 * know are left out (their text with them; the parser makes none today), and heading levels
 * deeper than the editor's become its deepest (`####` is a level-3 heading, not a paragraph).
 */
export function fitMarkdownContent(node: JSONContent, schema: Schema): JSONContent {
  const out: JSONContent = { ...node }
  if (node.type === 'heading') {
    const level = Number(node.attrs?.level)
    const deepest = HEADING_LEVELS[HEADING_LEVELS.length - 1] ?? 1
    const clamped = Number.isInteger(level) ? Math.min(Math.max(level, 1), deepest) : 1
    out.attrs = { ...node.attrs, level: clamped }
  }
  if (node.content) {
    out.content = node.content
      .filter((child) => child.type !== undefined && child.type in schema.nodes)
      .map((child) => fitMarkdownContent(child, schema))
  }
  return out
}

/**
 * Final checks on parsed content, after the schema's parse rules (which already dropped scripts,
 * event handlers, unknown elements and links the Link extension refuses): no link mark whose
 * `href` fails `isAllowedHref` (kept as a second line of defence: text survives, the link goes),
 * no code block language but a plain name (it ends up in a Markdown fence and a class), and no
 * nesting deeper than {@link MAX_IMPORT_DEPTH} ({@link UnconvertibleContentError}).
 */
export function checkImportedContent(
  node: JSONContent,
  isAllowedHref: (href: string) => boolean,
  depth = 0,
): JSONContent {
  if (depth > MAX_IMPORT_DEPTH) {
    throw new UnconvertibleContentError(
      `The content is nested more than ${MAX_IMPORT_DEPTH} levels deep`,
    )
  }
  const out: JSONContent = { ...node }
  if (node.type === 'codeBlock') {
    const language: unknown = node.attrs?.language
    out.attrs = {
      ...node.attrs,
      language: typeof language === 'string' && LANGUAGE.test(language) ? language : null,
    }
  }
  if (node.marks) out.marks = dropUnsafeLinks({ marks: node.marks }, isAllowedHref).marks
  if (!out.marks) delete out.marks
  if (node.content) {
    out.content = node.content.map((child) => checkImportedContent(child, isAllowedHref, depth + 1))
  }
  return out
}
