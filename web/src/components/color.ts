/** Near-black or white, whichever reads better on background colour `hex` (`#rrggbb`). */
export function readableTextColor(hex: string): string {
  const value = Number.parseInt(hex.slice(1), 16)
  if (Number.isNaN(value)) return '#ffffff'
  const channel = (shift: number): number => {
    const c = ((value >> shift) & 0xff) / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }
  const luminance = 0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0)
  // Contrast against white vs against #1a1a1a (luminance ≈ 0.010).
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.06 ? '#ffffff' : '#1a1a1a'
}

/** Up to two initials of `name` for an avatar ("Calm Otter" → "CO"). */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean)
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0]]
  return letters
    .map((w) => (w ? Array.from(w)[0] : ''))
    .join('')
    .toUpperCase()
}
