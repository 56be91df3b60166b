import {
  MAX_PRESENCE_NAME_LENGTH,
  parsePresenceUser,
  PRESENCE_COLORS,
  type PresenceUser,
} from '@tandem/shared'

/** localStorage key of this browser's chosen name and colour. */
const STORAGE_KEY = 'tandem.identity'

/** Colours offered in the identity menu; all readable with white or near-black text. */
export const IDENTITY_COLORS = PRESENCE_COLORS

const ADJECTIVES = [
  'Amber',
  'Brave',
  'Calm',
  'Clever',
  'Curious',
  'Gentle',
  'Happy',
  'Jolly',
  'Kind',
  'Lively',
  'Lucky',
  'Mellow',
  'Nimble',
  'Quiet',
  'Sunny',
  'Swift',
  'Witty',
] as const

const ANIMALS = [
  'Badger',
  'Crane',
  'Dolphin',
  'Falcon',
  'Fox',
  'Heron',
  'Koala',
  'Lynx',
  'Otter',
  'Owl',
  'Panda',
  'Puffin',
  'Rabbit',
  'Robin',
  'Seal',
  'Tiger',
  'Wren',
] as const

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T
}

/** A random friendly identity such as "Calm Otter" in one of {@link IDENTITY_COLORS}. */
export function randomIdentity(): PresenceUser {
  return { name: `${pick(ADJECTIVES)} ${pick(ANIMALS)}`, color: pick(IDENTITY_COLORS) }
}

type Listener = () => void
const listeners = new Set<Listener>()
let current: PresenceUser | undefined

function readStored(): PresenceUser | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY)
    return raw ? parsePresenceUser(JSON.parse(raw)) : undefined
  } catch {
    return undefined
  }
}

function write(identity: PresenceUser): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(identity))
  } catch {
    // Private mode or full storage: the identity still lasts for this page.
  }
}

/** This browser's identity; created, stored and returned on the first call of a first visit. */
export function getIdentity(): PresenceUser {
  if (current) return current
  current = readStored()
  if (!current) {
    current = randomIdentity()
    write(current)
  }
  return current
}

/**
 * Changes and remembers this browser's identity. The name is trimmed and cut to
 * {@link MAX_PRESENCE_NAME_LENGTH} characters; an empty name keeps the previous one.
 */
export function setIdentity(next: PresenceUser): void {
  const name = next.name.trim().slice(0, MAX_PRESENCE_NAME_LENGTH) || getIdentity().name
  const parsed = parsePresenceUser({ name, color: next.color })
  if (!parsed) return
  current = parsed
  write(parsed)
  for (const listener of listeners) listener()
}

/** Calls `listener` after every identity change (this tab or another); returns an unsubscribe. */
export function subscribeIdentity(listener: Listener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

// Another tab changed the identity: follow it, so carets carry one name per person.
window.addEventListener('storage', (event) => {
  if (event.key !== STORAGE_KEY) return
  const stored = readStored()
  if (!stored) return
  current = stored
  for (const listener of listeners) listener()
})
