import type { DecorationAttrs } from '@tiptap/pm/view'
import { displayUser } from '@tandem/shared'
import { readableTextColor } from '../components/color'

/**
 * Builds the caret of client `clientId` from its awareness `user` field `raw` (any client's,
 * unchecked): a thin bar in their colour with their name above it, using Tiptap's
 * `.collaboration-carets__*` classes. The name only ever goes in as text, and the colour only as
 * the `#rrggbb` that {@link displayUser} returns.
 */
export function renderCaret(raw: unknown, clientId: number): HTMLElement {
  const user = displayUser(raw, clientId)
  const caret = document.createElement('span')
  caret.classList.add('collaboration-carets__caret')
  caret.style.borderColor = user.color
  caret.setAttribute('aria-hidden', 'true')

  const label = document.createElement('span')
  label.classList.add('collaboration-carets__label')
  label.style.backgroundColor = user.color
  label.style.color = readableTextColor(user.color)
  label.textContent = user.name
  caret.append(label)
  return caret
}

/** The selection of client `clientId` (awareness `user` field `raw`): their colour, faded. */
export function renderSelection(raw: unknown, clientId: number): DecorationAttrs {
  const user = displayUser(raw, clientId)
  return {
    nodeName: 'span',
    class: 'collaboration-carets__selection',
    // `#rrggbb` plus a 20 % alpha byte.
    style: `background-color: ${user.color}33`,
    'data-user': user.name,
  }
}
