import type { TextRange } from '@tandem/shared'

/** A piece of a text, marked when it is a match. */
export interface TextPart {
  text: string
  marked: boolean
}

/**
 * `text` cut into plain and marked pieces at `ranges` (`[start, end)` in UTF-16 code units).
 * Ranges come from the server too, so they are not trusted: they are put in order, clamped to
 * the text, and empty or overlapping ones are merged away; the pieces always join back to `text`.
 */
export function highlightParts(text: string, ranges: readonly TextRange[]): TextPart[] {
  const parts: TextPart[] = []
  const sorted = ranges
    .map(([start, end]): TextRange => [clamp(start, text.length), clamp(end, text.length)])
    .filter(([start, end]) => start < end)
    .sort((a, b) => a[0] - b[0])
  let at = 0
  for (const [start, end] of sorted) {
    if (end <= at) continue
    const from = Math.max(start, at)
    if (from > at) parts.push({ text: text.slice(at, from), marked: false })
    const last = parts.at(-1)
    // Touching or overlapping matches read as one.
    if (last?.marked && from === at) last.text += text.slice(from, end)
    else parts.push({ text: text.slice(from, end), marked: true })
    at = end
  }
  if (at < text.length || parts.length === 0) parts.push({ text: text.slice(at), marked: false })
  return parts
}

function clamp(offset: number, length: number): number {
  return Number.isFinite(offset) ? Math.min(Math.max(0, Math.trunc(offset)), length) : 0
}
