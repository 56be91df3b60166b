/**
 * The editor's document schema as Tiptap extensions: what the rich text may hold (paragraphs,
 * headings 1–3, bold, italic, strike, underline, inline code, links, bullet, ordered and nested
 * task lists, blockquotes, code blocks, horizontal rules, hard breaks). The web editor builds on
 * these, and the server converts stored documents to and from Markdown, HTML and text with the
 * very same ones, so what one side writes the other reads.
 *
 * Imported as `@tandem/shared/schema`, not from the package root: only code that handles rich text
 * should load Tiptap.
 */
import { flattenExtensions, type Extensions, type JSONContent } from '@tiptap/core'
import { TaskItem, TaskList } from '@tiptap/extension-list'
import StarterKit from '@tiptap/starter-kit'

/** Heading levels the editor offers; a deeper heading read from elsewhere becomes the deepest. */
export const HEADING_LEVELS = [1, 2, 3] as const
export type HeadingLevel = (typeof HEADING_LEVELS)[number]

/**
 * Fresh instances of the schema's extensions, configured as the editor uses them (a new array
 * each call: an editor and a converter never share extension state).
 */
export function createSchemaExtensions(): Extensions {
  return [
    StarterKit.configure({
      // Collaboration brings its own per-user undo (Yjs UndoManager); the built-in one would
      // undo other people's edits too.
      undoRedo: false,
      // The trailing paragraph is written into the shared document by whoever opens it, so it
      // would seed content from the client (and duplicate when two people open at once).
      trailingNode: false,
      heading: { levels: [...HEADING_LEVELS] },
      link: {
        openOnClick: false,
        autolink: true,
        linkOnPaste: true,
        defaultProtocol: 'https',
        HTMLAttributes: { rel: 'noopener noreferrer nofollow', target: '_blank' },
      },
    }),
    TaskList,
    TaskItem.configure({ nested: true }),
  ]
}

/**
 * A title as one line: control characters and runs of whitespace (line breaks included) become
 * single spaces, and the ends are trimmed. The editor's title field keeps titles this way; a
 * title from elsewhere (an import, another client) is made so before it is written or exported.
 */
export function oneLineTitle(title: string): string {
  // eslint-disable-next-line no-control-regex
  return title.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim()
}

/**
 * `doc` (a document's rich text as Tiptap JSON) with `title` in front as a level-1 heading, as
 * every export writes it; `doc` itself when the title is empty or blank. Importing such a file
 * takes the heading back as the title.
 */
export function withTitleHeading(doc: JSONContent, title: string): JSONContent {
  const text = oneLineTitle(title)
  if (!text) return doc
  const heading: JSONContent = {
    type: 'heading',
    attrs: { level: 1 },
    content: [{ type: 'text', text }],
  }
  return { ...doc, content: [heading, ...(doc.content ?? [])] }
}

/** What the Link extension's options hold for validating an href (see `@tiptap/extension-link`). */
interface LinkOptions {
  protocols: (string | { scheme: string })[]
  defaultProtocol: string
  isAllowedUri: (
    url: string,
    ctx: {
      defaultValidate: (url: string) => boolean
      protocols: (string | { scheme: string })[]
      defaultProtocol: string
    },
  ) => boolean
}

/**
 * Whether a link may point at an href, by the rule of the Link extension among `extensions` (the
 * one the editor applies when a link is pasted or set: `http:`, `https:`, `mailto:`, relative
 * paths… but not `javascript:`, `vbscript:` or `data:`). An empty href is refused. The rule's
 * default ignores `defaultValidate`; a custom one that defers to it is given a validator that
 * refuses, so an unknown rule fails closed.
 */
export function linkHrefValidator(extensions: Extensions): (href: string) => boolean {
  const link = flattenExtensions(extensions).find((extension) => extension.name === 'link')
  if (!link) throw new Error('the schema has no link extension')
  const options = link.options as LinkOptions
  return (href) =>
    href.trim() !== '' &&
    options.isAllowedUri(href, {
      defaultValidate: () => false,
      protocols: options.protocols,
      defaultProtocol: options.defaultProtocol,
    })
}

/**
 * `node` (Tiptap JSON) without link marks whose `href` fails `isAllowedHref`; their text stays.
 * Exports use it for links a client wrote into the document directly (the editor never makes
 * them): a file must not carry them elsewhere.
 */
export function dropUnsafeLinks(
  node: JSONContent,
  isAllowedHref: (href: string) => boolean,
): JSONContent {
  const out: JSONContent = { ...node }
  if (node.marks) {
    const marks = node.marks.filter(
      (mark) =>
        mark.type !== 'link' ||
        (typeof mark.attrs?.href === 'string' && isAllowedHref(mark.attrs.href)),
    )
    if (marks.length > 0) out.marks = marks
    else delete out.marks
  }
  if (node.content) out.content = node.content.map((child) => dropUnsafeLinks(child, isAllowedHref))
  return out
}
