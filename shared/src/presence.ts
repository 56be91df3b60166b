/** Role of a connection, decided by the server from the link used, never by the client. */
export const Role = {
  edit: 'edit',
  view: 'view',
} as const
export type Role = (typeof Role)[keyof typeof Role]

/** The `user` field of an awareness state: who a caret and an avatar belong to. */
export interface PresenceUser {
  /** Display name, 1–{@link MAX_PRESENCE_NAME_LENGTH} characters after trimming. */
  name: string
  /** CSS hex colour `#rrggbb`. */
  color: string
  /** Role the client believes it has; the web app shows the server's view when it differs. */
  role?: Role
}

/** Longest display name accepted, in characters. */
export const MAX_PRESENCE_NAME_LENGTH = 40

const COLOR_PATTERN = /^#[0-9a-fA-F]{6}$/

/** Returns the user if `value` is a valid presence user, otherwise undefined. */
export function parsePresenceUser(value: unknown): PresenceUser | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const v = value as Record<string, unknown>
  if (typeof v.name !== 'string' || typeof v.color !== 'string') return undefined
  const name = v.name.trim()
  if (name.length === 0 || name.length > MAX_PRESENCE_NAME_LENGTH) return undefined
  if (!COLOR_PATTERN.test(v.color)) return undefined
  const role = v.role === Role.view || v.role === Role.edit ? v.role : undefined
  return role ? { name, color: v.color, role } : { name, color: v.color }
}
