import { Limits } from '@tandem/shared'
import { useEffect, useRef } from 'react'
import type * as Y from 'yjs'
import { diffTitle, transformOffset, type TextDeltaOp } from './titleDiff'

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
        const delta = event.delta as TextDeltaOp[]
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
    const edit = diffTitle(title.toString(), next)
    if (!edit) return
    title.doc?.transact(() => {
      if (edit.deleteCount > 0) title.delete(edit.index, edit.deleteCount)
      if (edit.insert) title.insert(edit.index, edit.insert)
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
