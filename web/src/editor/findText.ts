import { findMatches, type TextRange } from '@tandem/shared'
import type { Node } from '@tiptap/pm/model'

/** A run of a document's plain text that is one text node: where it is in the text and the doc. */
interface TextRun {
  /** Offset of its first character in {@link DocumentTextIndex.text}. */
  offset: number
  /** ProseMirror position of its first character. */
  pos: number
  length: number
}

/** A ProseMirror document as plain text, and where each character of it is in the document. */
export interface DocumentTextIndex {
  /** Blocks on lines of their own; a hard break or other inline leaf is a line break too. */
  text: string
  runs: TextRun[]
}

/**
 * The plain text of `doc` with the positions of its characters: text nodes as they are, a line
 * break between blocks and for each inline leaf (a hard break), so words never run across them.
 */
export function indexText(doc: Node): DocumentTextIndex {
  let text = ''
  const runs: TextRun[] = []
  doc.descendants((node, pos) => {
    if (node.isText) {
      const value = node.text ?? ''
      runs.push({ offset: text.length, pos, length: value.length })
      text += value
    } else if (node.isBlock || node.isLeaf) {
      if (text !== '' && !text.endsWith('\n')) text += '\n'
    }
    return true
  })
  return { text, runs }
}

/**
 * The document range of text range `[start, end)` of `index`: undefined unless both ends fall in
 * text (a word may span text nodes, as when part of it is bold: they are adjacent in both).
 */
export function textRangeToDocRange(
  index: DocumentTextIndex,
  [start, end]: TextRange,
): { from: number; to: number } | undefined {
  if (end <= start) return undefined
  const startRun = index.runs.find((run) => start >= run.offset && start < run.offset + run.length)
  const endRun = index.runs.find((run) => end > run.offset && end <= run.offset + run.length)
  if (!startRun || !endRun) return undefined
  return { from: startRun.pos + start - startRun.offset, to: endRun.pos + end - endRun.offset }
}

/** The document range of the first word of `doc` matching `terms` (see `searchTerms`), if any. */
export function findFirstMatch(
  doc: Node,
  terms: readonly string[],
): { from: number; to: number } | undefined {
  const index = indexText(doc)
  const first = findMatches(index.text, terms)[0]
  return first && textRangeToDocRange(index, first)
}
