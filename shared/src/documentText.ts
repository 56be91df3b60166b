import * as Y from 'yjs'
import { DocumentFields } from './protocol.js'
import type { DocumentText } from './search.js'

/** Elements that end a line but hold no block of their own. */
const LINE_BREAKS = new Set(['hardBreak'])

/**
 * A document's title and its rich text as plain text, what search indexes: each block (paragraph,
 * heading, list item, code block line…) on a line of its own, formatting and structure dropped,
 * blank lines left out. Reads Yjs's item lists directly rather than `getText`/`getXmlFragment`, so
 * it never types a root of the document it reads (a room's committed one included), and it costs
 * one pass over the visible items.
 */
export function documentText(doc: Y.Doc): DocumentText {
  const title = doc.share.get(DocumentFields.title)
  const content = doc.share.get(DocumentFields.content)
  const lines: string[] = []
  const line: string[] = []
  const endLine = (): void => {
    const text = line.join('').trim()
    if (text) lines.push(text)
    line.length = 0
  }
  if (content) walk(content, line, endLine)
  endLine()
  return {
    title: title ? textOf(title).replace(/\s+/g, ' ').trim() : '',
    body: lines.join('\n'),
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any type of any document
type AnyType = Y.AbstractType<Y.YEvent<any>>

function walk(type: AnyType, line: string[], endLine: () => void): void {
  for (let item = type._start; item !== null; item = item.right) {
    if (item.deleted) continue
    const content = item.content
    if (content instanceof Y.ContentString) {
      line.push(content.str)
    } else if (content instanceof Y.ContentType) {
      const child = content.type as AnyType
      const element = child instanceof Y.XmlElement ? child.nodeName : undefined
      if (element !== undefined && LINE_BREAKS.has(element)) {
        endLine()
        continue
      }
      if (element !== undefined) endLine()
      walk(child, line, endLine)
      if (element !== undefined) endLine()
    }
  }
}

function textOf(type: AnyType): string {
  let text = ''
  for (let item = type._start; item !== null; item = item.right) {
    if (!item.deleted && item.content instanceof Y.ContentString) text += item.content.str
  }
  return text
}
