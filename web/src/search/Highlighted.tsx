import type { TextRange } from '@tandem/shared'
import { highlightParts } from './highlight'

/** `text` with the words at `ranges` in `<mark>`; text nodes only, never markup from the text. */
export function Highlighted({ text, ranges }: { text: string; ranges: readonly TextRange[] }) {
  return (
    <>
      {highlightParts(text, ranges).map((part, i) =>
        part.marked ? <mark key={i}>{part.text}</mark> : part.text,
      )}
    </>
  )
}
