import { initials, readableTextColor } from '../components/color'
import { icons } from '../components/icons'
import type { Person } from './usePeople'

/**
 * A round badge with a person's initials in their colour, and an eye on someone else who is
 * only viewing; decorative (the list item carries the name and role in words).
 */
export function Avatar({ person }: { person: Person }) {
  return (
    <span
      className="avatar"
      style={{ backgroundColor: person.color, color: readableTextColor(person.color) }}
      aria-hidden="true"
    >
      {initials(person.name)}
      {!person.isYou && person.role === 'view' && (
        <span className="avatar-viewing">{icons.eye}</span>
      )}
    </span>
  )
}

/** "Calm Otter (you)", "Calm Otter" or, for someone on a view-only link, "Calm Otter (viewing)". */
export function personLabel(person: Person): string {
  if (person.isYou) return `${person.name} (you)`
  return person.role === 'view' ? `${person.name} (viewing)` : person.name
}
