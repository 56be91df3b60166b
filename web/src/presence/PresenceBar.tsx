import { useState } from 'react'
import type { Awareness } from 'y-protocols/awareness'
import { Dialog } from '../components/Dialog'
import { Avatar, personLabel } from './Avatar'
import { IdentityDialog } from './IdentityDialog'
import { usePeople } from './usePeople'

/** Avatars shown before the rest collapse into "+N". */
const MAX_VISIBLE = 4

/**
 * Everyone in the document as an avatar stack, you first. Your own avatar opens the name and
 * colour editor; "+N" opens the full list.
 */
export function PresenceBar({ awareness }: { awareness: Awareness }) {
  const people = usePeople(awareness)
  const [identityOpen, setIdentityOpen] = useState(false)
  const [allOpen, setAllOpen] = useState(false)
  const overflow = people.length > MAX_VISIBLE ? people.length - (MAX_VISIBLE - 1) : 0
  const visible = overflow ? people.slice(0, MAX_VISIBLE - 1) : people
  const hidden = overflow ? people.slice(MAX_VISIBLE - 1) : []

  return (
    <>
      <ul className="presence" aria-label="People in this document" data-count={people.length}>
        {visible.map((person) => (
          <li key={person.clientId} className="presence-item" title={personLabel(person)}>
            {person.isYou ? (
              <button
                type="button"
                className="avatar-button"
                aria-label={`${personLabel(person)}: change your name and colour`}
                onClick={() => setIdentityOpen(true)}
              >
                <Avatar person={person} />
              </button>
            ) : (
              <>
                <Avatar person={person} />
                <span className="visually-hidden">{personLabel(person)}</span>
              </>
            )}
          </li>
        ))}
        {overflow > 0 && (
          <li className="presence-item">
            <button
              type="button"
              className="avatar avatar-more"
              title={hidden.map(personLabel).join(', ')}
              aria-label={`${overflow} more: show everyone`}
              onClick={() => setAllOpen(true)}
            >
              +{overflow}
            </button>
          </li>
        )}
      </ul>
      <IdentityDialog open={identityOpen} onClose={() => setIdentityOpen(false)} />
      <Dialog open={allOpen} onClose={() => setAllOpen(false)} title="In this document">
        <ul className="people-list">
          {people.map((person) => (
            <li key={person.clientId}>
              <Avatar person={person} /> {personLabel(person)}
            </li>
          ))}
        </ul>
      </Dialog>
    </>
  )
}
