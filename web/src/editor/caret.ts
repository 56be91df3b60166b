import type { DecorationAttrs } from '@tiptap/pm/view'
import { parsePresenceUser } from '@tandem/shared'
import { readableTextColor } from '../components/color'

/**
 * Builds another person's caret: a thin bar in their colour with their name above it. Uses
 * Tiptap's `.collaboration-carets__*` classes; names come from the network, so only as text.
 */
export function renderCaret(raw: Record<string, unknown>): HTMLElement {
  const user = parsePresenceUser(raw) ?? { name: 'Someone', color: '#6b7280' }
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

/** Another person's selection: their colour, faded. */
export function renderSelection(raw: Record<string, unknown>): DecorationAttrs {
  const user = parsePresenceUser(raw)
  if (!user) return {}
  return {
    nodeName: 'span',
    class: 'collaboration-carets__selection',
    style: `background-color: ${user.color}33`,
    'data-user': user.name,
  }
}
