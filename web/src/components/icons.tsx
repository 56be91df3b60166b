import type { ReactNode } from 'react'

/** Small stroke icons for the toolbar; decorative (the button carries the label). */
function Icon({ children }: { children: ReactNode }) {
  return (
    <svg
      className="icon"
      viewBox="0 0 24 24"
      width="18"
      height="18"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {children}
    </svg>
  )
}

/** Toolbar and header icons by name; each is a decorative inline SVG. */
export const icons = {
  undo: (
    <Icon>
      <path d="M9 14 4 9l5-5" />
      <path d="M4 9h10.5a5.5 5.5 0 0 1 0 11H11" />
    </Icon>
  ),
  redo: (
    <Icon>
      <path d="m15 14 5-5-5-5" />
      <path d="M20 9H9.5a5.5 5.5 0 0 0 0 11H13" />
    </Icon>
  ),
  code: (
    <Icon>
      <path d="m8 7-5 5 5 5" />
      <path d="m16 7 5 5-5 5" />
    </Icon>
  ),
  bulletList: (
    <Icon>
      <circle cx="4.5" cy="6" r="1" fill="currentColor" />
      <circle cx="4.5" cy="12" r="1" fill="currentColor" />
      <circle cx="4.5" cy="18" r="1" fill="currentColor" />
      <path d="M9 6h11M9 12h11M9 18h11" />
    </Icon>
  ),
  orderedList: (
    <Icon>
      <path d="M10 6h10M10 12h10M10 18h10" />
      <path d="M4 4.5 5 4v4" strokeWidth="1.5" />
      <path d="M3.5 14h2.5l-2.5 3.5h2.5" strokeWidth="1.5" />
    </Icon>
  ),
  taskList: (
    <Icon>
      <rect x="3" y="4" width="6" height="6" rx="1.2" />
      <path d="m4.5 7 1.2 1.2L7.8 5.8" strokeWidth="1.5" />
      <rect x="3" y="14" width="6" height="6" rx="1.2" />
      <path d="M13 7h8M13 17h8" />
    </Icon>
  ),
  quote: (
    <Icon>
      <path d="M4 5v14" />
      <path d="M9 8h11M9 12h11M9 16h7" />
    </Icon>
  ),
  codeBlock: (
    <Icon>
      <rect x="3" y="4" width="18" height="16" rx="2" />
      <path d="m10 9-3 3 3 3" />
      <path d="m14 9 3 3-3 3" />
    </Icon>
  ),
  link: (
    <Icon>
      <path d="M10 13a4.5 4.5 0 0 0 6.4.4l3-3a4.5 4.5 0 0 0-6.4-6.4l-1.5 1.5" />
      <path d="M14 11a4.5 4.5 0 0 0-6.4-.4l-3 3a4.5 4.5 0 0 0 6.4 6.4l1.5-1.5" />
    </Icon>
  ),
  eye: (
    <Icon>
      <path d="M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12Z" />
      <circle cx="12" cy="12" r="3" />
    </Icon>
  ),
  share: (
    <Icon>
      <path d="M12 3v12" />
      <path d="m7 8 5-5 5 5" />
      <path d="M5 13v6a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-6" />
    </Icon>
  ),
  history: (
    <Icon>
      <path d="M3 12a9 9 0 1 0 3-6.7L3 8" />
      <path d="M3 3v5h5" />
      <path d="M12 7v5l3 2" />
    </Icon>
  ),
  chevronDown: (
    <Icon>
      <path d="m6 9 6 6 6-6" />
    </Icon>
  ),
  chevronUp: (
    <Icon>
      <path d="m6 15 6-6 6 6" />
    </Icon>
  ),
  chevronLeft: (
    <Icon>
      <path d="m15 6-6 6 6 6" />
    </Icon>
  ),
  chevronRight: (
    <Icon>
      <path d="m9 6 6 6-6 6" />
    </Icon>
  ),
  download: (
    <Icon>
      <path d="M12 3v12" />
      <path d="m7 10 5 5 5-5" />
      <path d="M5 21h14" />
    </Icon>
  ),
  search: (
    <Icon>
      <circle cx="11" cy="11" r="7" />
      <path d="m20 20-3.5-3.5" />
    </Icon>
  ),
} as const
