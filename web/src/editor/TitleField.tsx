import { Limits } from '@tandem/shared'
import { useEffect, useRef } from 'react'
import type * as Y from 'yjs'

/** Transaction origin of edits typed into this field, so its own echo is not re-applied. */
const LOCAL_ORIGIN = Symbol('title-field')

interface TitleFieldProps {
  title: Y.Text
  readOnly: boolean
  /** Called on Enter: move on to the document body. */
  onEnter: () => void
}

/** Grows the title box to its content, so a long title wraps instead of scrolling sideways. */
function fitHeight(element: HTMLTextAreaElement): void {
  element.style.height = 'auto'
  element.style.height = `${element.scrollHeight}px`
}

/** Maps a caret offset through a Yjs text delta (remote inserts before it push it right). */
function transformOffset(
  offset: number,
  delta: Array<{ insert?: unknown; delete?: number; retain?: number }>,
): number {
  let index = 0
  let result = offset
  for (const op of delta) {
    if (op.retain !== undefined) {
      index += op.retain
    } else if (typeof op.insert === 'string') {
      if (index <= offset) result += op.insert.length
      index += op.insert.length
    } else if (op.delete !== undefined) {
      if (index < offset) result -= Math.min(op.delete, offset - index)
    }
    if (index > offset) break
  }
  return Math.max(0, result)
}

/**
 * The document's title as a plain input bound to the shared Y.Text. Local typing becomes a
 * minimal delete+insert, so two people editing the title at once merge rather than overwrite;
 * remote edits keep this person's caret where it was in the text.
 */
export function TitleField({ title, readOnly, onEnter }: TitleFieldProps) {
  const inputRef = useRef<HTMLTextAreaElement>(null)

  useEffect(() => {
    const input = inputRef.current
    if (!input) return
    input.value = title.toString()
    fitHeight(input)
    const onChange = (event: Y.YTextEvent, transaction: Y.Transaction): void => {
      if (transaction.origin === LOCAL_ORIGIN) return
      const focused = document.activeElement === input
      const start = input.selectionStart ?? 0
      const end = input.selectionEnd ?? 0
      input.value = title.toString()
      fitHeight(input)
      if (focused) {
        const delta = event.delta as Array<{ insert?: unknown; delete?: number; retain?: number }>
        input.setSelectionRange(transformOffset(start, delta), transformOffset(end, delta))
      }
    }
    const onResize = (): void => fitHeight(input)
    title.observe(onChange)
    window.addEventListener('resize', onResize)
    return () => {
      title.unobserve(onChange)
      window.removeEventListener('resize', onResize)
    }
  }, [title])

  const applyInput = (): void => {
    const input = inputRef.current
    if (!input) return
    // A title is one line: pasted line breaks become spaces.
    if (/[\r\n]/.test(input.value)) {
      const caret = input.selectionStart
      input.value = input.value.replace(/\r\n?|\n/g, ' ')
      input.setSelectionRange(caret, caret)
    }
    fitHeight(input)
    const next = input.value.slice(0, Limits.maxTitleLength)
    const prev = title.toString()
    if (next === prev) return
    let startSame = 0
    const maxStart = Math.min(prev.length, next.length)
    while (startSame < maxStart && prev[startSame] === next[startSame]) startSame++
    let endSame = 0
    while (
      endSame < prev.length - startSame &&
      endSame < next.length - startSame &&
      prev[prev.length - 1 - endSame] === next[next.length - 1 - endSame]
    ) {
      endSame++
    }
    title.doc?.transact(() => {
      const removed = prev.length - startSame - endSame
      if (removed > 0) title.delete(startSame, removed)
      const inserted = next.slice(startSame, next.length - endSame)
      if (inserted) title.insert(startSame, inserted)
    }, LOCAL_ORIGIN)
  }

  return (
    <textarea
      ref={inputRef}
      className="title-input"
      rows={1}
      aria-label="Document title"
      placeholder="Untitled"
      maxLength={Limits.maxTitleLength}
      readOnly={readOnly}
      spellCheck
      autoComplete="off"
      onInput={applyInput}
      onKeyDown={(event) => {
        if (event.key === 'Enter' && !event.nativeEvent.isComposing) {
          event.preventDefault()
          onEnter()
        }
      }}
    />
  )
}
