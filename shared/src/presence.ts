/** Role of a connection, decided by the server from the link used, never by the client. */
export const Role = {
  edit: 'edit',
  view: 'view',
} as const
export type Role = (typeof Role)[keyof typeof Role]

/** The `user` field of an awareness state as the Tandem web app publishes it for itself. */
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

/**
 * Returns the user if `value` is a presence user in the web app's own strict shape (a name of
 * 1–{@link MAX_PRESENCE_NAME_LENGTH} characters, a `#rrggbb` colour), otherwise undefined. Other
 * clients' presence is rendered through {@link displayUser}, which accepts far more.
 */
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

/**
 * Presence colours the web app offers and derives; each reads well with white or near-black
 * text, and they are far enough apart to tell carets apart.
 */
export const PRESENCE_COLORS = [
  '#d94f4f',
  '#e07b39',
  '#c9a227',
  '#4f9d52',
  '#2a9d8f',
  '#3b82c4',
  '#5b5bd6',
  '#9b4fc9',
  '#c84f94',
  '#6b7280',
] as const

/** The name shown for someone whose presence carries no usable name. */
export const ANONYMOUS_NAME = 'Anonymous'

/** A person as the web app renders them, whatever their client sent. */
export interface DisplayUser {
  /** 1–{@link MAX_PRESENCE_NAME_LENGTH} characters, to be rendered as text only. */
  name: string
  /** Always `#rrggbb`: safe in any CSS property and as a prefix for an alpha suffix. */
  color: string
  /** The role the server set on this presence; undefined when there is none. */
  role: Role | undefined
}

/**
 * What to render for the awareness `user` field `user` of client `clientId`, which may come from
 * any Yjs client (stock y-websocket, y-codemirror, y-quill, BlockNote…): a missing or empty name
 * becomes {@link ANONYMOUS_NAME}, a longer name than {@link MAX_PRESENCE_NAME_LENGTH} is cut with
 * an ellipsis, and a colour that is not a safe CSS colour (see {@link parseCssColor}) is replaced
 * by {@link derivedColor}. Never throws.
 */
export function displayUser(user: unknown, clientId: number): DisplayUser {
  const fields: Record<string, unknown> =
    typeof user === 'object' && user !== null ? (user as Record<string, unknown>) : {}
  const role = fields.role === Role.edit || fields.role === Role.view ? fields.role : undefined
  return {
    name: displayName(fields.name),
    color: parseCssColor(fields.color) ?? derivedColor(clientId),
    role,
  }
}

/** Control characters and bidirectional overrides: they could hide or reorder a name's text. */
const INVISIBLE = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu

function displayName(raw: unknown): string {
  if (typeof raw !== 'string') return ANONYMOUS_NAME
  const name = raw.replace(INVISIBLE, ' ').replace(/\s+/g, ' ').trim()
  if (name.length === 0) return ANONYMOUS_NAME
  // Code points, not UTF-16 units: an emoji is never cut in half.
  const chars = Array.from(name)
  if (chars.length <= MAX_PRESENCE_NAME_LENGTH) return name
  return `${chars
    .slice(0, MAX_PRESENCE_NAME_LENGTH - 1)
    .join('')
    .trimEnd()}…`
}

/**
 * A colour from {@link PRESENCE_COLORS} picked by client id `clientId` (any number): the same id
 * always gets the same colour, and ids that differ by one get different colours.
 */
export function derivedColor(clientId: number): string {
  const id = Number.isFinite(clientId) ? Math.trunc(Math.abs(clientId)) % 2 ** 32 : 0
  return PRESENCE_COLORS[id % PRESENCE_COLORS.length] as string
}

/** Longest colour string looked at; longer ones are not a colour anyone means. */
const MAX_COLOR_LENGTH = 64

const HEX = /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i
const FUNCTION = /^(rgba?|hsla?)\(([^()]*)\)$/i
/** One component of a colour function: a number, optionally with `%` or `deg`. */
const COMPONENT = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(%|deg)?$/i

/**
 * The colour `value` as lowercase `#rrggbb` if it is written in a notation that is safe to put
 * into CSS: `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()`/`rgba()`/`hsl()`/`hsla()` holding
 * only numbers, `%`, `deg`, commas, spaces, slashes and dots, or a CSS named colour (any case).
 * Anything else (quotes, semicolons, `url(`, braces, backslashes, other functions, `transparent`,
 * `currentcolor`, a malformed function) gives undefined. Alpha is dropped: presence is drawn opaque.
 */
export function parseCssColor(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_COLOR_LENGTH) return undefined
  const color = value.trim().toLowerCase()
  if (HEX.test(color)) return hexColor(color)
  const named = CSS_NAMED_COLORS.get(color)
  if (named) return named
  const match = FUNCTION.exec(color)
  if (!match) return undefined
  const channels = match[1]?.startsWith('rgb')
    ? rgbChannels(match[2] ?? '')
    : hslChannels(match[2] ?? '')
  return channels && toHex(channels)
}

function hexColor(hex: string): string {
  const digits = hex.slice(1)
  if (digits.length <= 4) {
    return `#${Array.from(digits.slice(0, 3), (d) => d + d).join('')}`
  }
  return `#${digits.slice(0, 6)}`
}

interface Component {
  value: number
  unit: '' | '%' | 'deg'
}

/**
 * The three colour components of a function body in either CSS syntax, legacy `a, b, c[, alpha]`
 * or modern `a b c[ / alpha]`; the alpha is checked and dropped. Undefined if malformed.
 */
function components(body: string): [Component, Component, Component] | undefined {
  let parts: string[]
  let alpha: string | undefined
  if (body.includes(',')) {
    if (body.includes('/')) return undefined
    parts = body.split(',').map((part) => part.trim())
    if (parts.length === 4) alpha = parts.pop()
  } else {
    const [main = '', slashAlpha, ...rest] = body.split('/')
    if (rest.length > 0) return undefined
    parts = main.trim().split(/\s+/)
    alpha = slashAlpha?.trim()
  }
  if (parts.length !== 3) return undefined
  if (alpha !== undefined) {
    const a = component(alpha)
    if (!a || a.unit === 'deg') return undefined
  }
  const [a, b, c] = parts.map(component)
  return a && b && c ? [a, b, c] : undefined
}

function component(text: string): Component | undefined {
  const match = COMPONENT.exec(text)
  if (!match) return undefined
  const value = Number(match[1])
  if (!Number.isFinite(value)) return undefined
  return { value, unit: (match[2] ?? '') as Component['unit'] }
}

const clamp = (value: number, min: number, max: number): number =>
  Math.min(max, Math.max(min, value))

/** Red, green and blue in 0–255 from an `rgb()` body (numbers 0–255 or percentages). */
function rgbChannels(body: string): [number, number, number] | undefined {
  const parts = components(body)
  if (!parts || parts.some((p) => p.unit === 'deg')) return undefined
  const [r, g, b] = parts.map((p) =>
    clamp(p.unit === '%' ? (p.value * 255) / 100 : p.value, 0, 255),
  )
  return [r ?? 0, g ?? 0, b ?? 0]
}

/** Red, green and blue in 0–255 from an `hsl()` body (hue in degrees, the rest in percent). */
function hslChannels(body: string): [number, number, number] | undefined {
  const parts = components(body)
  if (!parts) return undefined
  const [hue, sat, light] = parts
  if (hue.unit === '%' || sat.unit === 'deg' || light.unit === 'deg') return undefined
  const h = ((hue.value % 360) + 360) % 360
  const s = clamp(sat.value, 0, 100) / 100
  const l = clamp(light.value, 0, 100) / 100
  // CSS Color 4's hslToRgb.
  const f = (n: number): number => {
    const k = (n + h / 30) % 12
    return (l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1))) * 255
  }
  return [f(0), f(8), f(4)]
}

function toHex(channels: readonly number[]): string {
  return `#${channels.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`
}

/**
 * The CSS Color 4 named colours (all 148, both `gray` and `grey` spellings; not `transparent` or
 * `currentcolor`), lowercase, each to its `#rrggbb`.
 */
export const CSS_NAMED_COLORS: ReadonlyMap<string, string> = new Map(
  (
    'aliceblue f0f8ff antiquewhite faebd7 aqua 00ffff aquamarine 7fffd4 azure f0ffff beige f5f5dc ' +
    'bisque ffe4c4 black 000000 blanchedalmond ffebcd blue 0000ff blueviolet 8a2be2 brown a52a2a ' +
    'burlywood deb887 cadetblue 5f9ea0 chartreuse 7fff00 chocolate d2691e coral ff7f50 ' +
    'cornflowerblue 6495ed cornsilk fff8dc crimson dc143c cyan 00ffff darkblue 00008b ' +
    'darkcyan 008b8b darkgoldenrod b8860b darkgray a9a9a9 darkgreen 006400 darkgrey a9a9a9 ' +
    'darkkhaki bdb76b darkmagenta 8b008b darkolivegreen 556b2f darkorange ff8c00 ' +
    'darkorchid 9932cc darkred 8b0000 darksalmon e9967a darkseagreen 8fbc8f ' +
    'darkslateblue 483d8b darkslategray 2f4f4f darkslategrey 2f4f4f darkturquoise 00ced1 ' +
    'darkviolet 9400d3 deeppink ff1493 deepskyblue 00bfff dimgray 696969 dimgrey 696969 ' +
    'dodgerblue 1e90ff firebrick b22222 floralwhite fffaf0 forestgreen 228b22 fuchsia ff00ff ' +
    'gainsboro dcdcdc ghostwhite f8f8ff gold ffd700 goldenrod daa520 gray 808080 green 008000 ' +
    'greenyellow adff2f grey 808080 honeydew f0fff0 hotpink ff69b4 indianred cd5c5c ' +
    'indigo 4b0082 ivory fffff0 khaki f0e68c lavender e6e6fa lavenderblush fff0f5 ' +
    'lawngreen 7cfc00 lemonchiffon fffacd lightblue add8e6 lightcoral f08080 lightcyan e0ffff ' +
    'lightgoldenrodyellow fafad2 lightgray d3d3d3 lightgreen 90ee90 lightgrey d3d3d3 ' +
    'lightpink ffb6c1 lightsalmon ffa07a lightseagreen 20b2aa lightskyblue 87cefa ' +
    'lightslategray 778899 lightslategrey 778899 lightsteelblue b0c4de lightyellow ffffe0 ' +
    'lime 00ff00 limegreen 32cd32 linen faf0e6 magenta ff00ff maroon 800000 ' +
    'mediumaquamarine 66cdaa mediumblue 0000cd mediumorchid ba55d3 mediumpurple 9370db ' +
    'mediumseagreen 3cb371 mediumslateblue 7b68ee mediumspringgreen 00fa9a ' +
    'mediumturquoise 48d1cc mediumvioletred c71585 midnightblue 191970 mintcream f5fffa ' +
    'mistyrose ffe4e1 moccasin ffe4b5 navajowhite ffdead navy 000080 oldlace fdf5e6 ' +
    'olive 808000 olivedrab 6b8e23 orange ffa500 orangered ff4500 orchid da70d6 ' +
    'palegoldenrod eee8aa palegreen 98fb98 paleturquoise afeeee palevioletred db7093 ' +
    'papayawhip ffefd5 peachpuff ffdab9 peru cd853f pink ffc0cb plum dda0dd powderblue b0e0e6 ' +
    'purple 800080 rebeccapurple 663399 red ff0000 rosybrown bc8f8f royalblue 4169e1 ' +
    'saddlebrown 8b4513 salmon fa8072 sandybrown f4a460 seagreen 2e8b57 seashell fff5ee ' +
    'sienna a0522d silver c0c0c0 skyblue 87ceeb slateblue 6a5acd slategray 708090 ' +
    'slategrey 708090 snow fffafa springgreen 00ff7f steelblue 4682b4 tan d2b48c teal 008080 ' +
    'thistle d8bfd8 tomato ff6347 turquoise 40e0d0 violet ee82ee wheat f5deb3 white ffffff ' +
    'whitesmoke f5f5f5 yellow ffff00 yellowgreen 9acd32'
  )
    .split(' ')
    .flatMap((word, i, words) => (i % 2 === 0 ? [[word, `#${words[i + 1]}`] as const] : [])),
)
