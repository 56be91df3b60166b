import { Extension, getSchema, type Extensions, type JSONContent } from '@tiptap/core'
import { MarkdownManager } from '@tiptap/markdown'
import type { Schema } from '@tiptap/pm/model'
import { createSchemaExtensions, linkHrefValidator } from '@tandem/shared/schema'

/**
 * The editor's schema on the server: its extensions (from `@tandem/shared/schema`, exactly as the
 * editor configures them), the ProseMirror schema they make, and a Markdown manager over them.
 * Built once, on first use: building a schema takes milliseconds, and each conversion would
 * otherwise pay for it.
 */
export interface RichText {
  readonly extensions: Extensions
  readonly schema: Schema
  readonly markdown: MarkdownManager
  /** Whether a link's `href` may be kept: the Link extension's own rule (no `javascript:`, `data:`…). */
  isAllowedHref(href: string): boolean
}

let instance: RichText | undefined

/** The process's {@link RichText}, built on first use. */
export function richText(): RichText {
  instance ??= build()
  return instance
}

function build(): RichText {
  const extensions = createSchemaExtensions()
  const schema = getSchema(extensions)
  const markdown = new MarkdownManager({ extensions: [...extensions, ...importFallbacks] })
  return { extensions, schema, markdown, isAllowedHref: linkHrefValidator(extensions) }
}

/**
 * Markdown the editor has no node for, kept rather than lost on import (the Markdown manager drops
 * a token nothing handles): an image becomes a link to it named by its alt text (a `data:` image,
 * which no link may point at, leaves only the alt text), a table becomes its source lines. Parsing
 * only: they add nothing to the schema, so they never render.
 */
const importFallbacks: Extensions = [
  Extension.create({
    name: 'importImageAsLink',
    markdownTokenName: 'image',
    parseMarkdown: (token, helpers) => {
      const href = typeof token.href === 'string' ? token.href.trim() : ''
      const alt = typeof token.text === 'string' ? token.text : ''
      // An inline image's bytes are no text to keep: without alt text it leaves nothing.
      const label = alt || (/^data:/i.test(href) ? '' : href)
      if (!label) return []
      // A text node carrying the mark, not `applyMark`: a lone image is parsed as a block, where
      // the manager unwraps mark results and the link would be lost.
      return helpers.createTextNode(label, href ? [{ type: 'link', attrs: { href } }] : undefined)
    },
  }),
  Extension.create({
    name: 'importTableAsText',
    markdownTokenName: 'table',
    parseMarkdown: (token) => {
      const lines = String(token.raw ?? '')
        .split('\n')
        .map((line) => line.trimEnd())
        .filter((line) => line !== '')
      const content: JSONContent[] = []
      for (const line of lines) {
        if (content.length > 0) content.push({ type: 'hardBreak' })
        content.push({ type: 'text', text: line })
      }
      return { type: 'paragraph', content }
    },
  }),
]
