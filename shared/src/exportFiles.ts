/**
 * What exported files look like wherever they are made (the server's export route, the web app's
 * downloads and zip): their names and the style of an HTML page. The content itself is converted
 * by Tiptap's own Markdown and HTML serialisers, never here.
 */

/** The name a file gets when its title has nothing usable in it. */
export const UNTITLED_FILE_NAME = 'Untitled'

/** Longest file name stem, in characters, before the extension. */
const MAX_STEM_LENGTH = 100

/** Characters that no common file system accepts in a name, and control characters. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f<>:"/\\|?*]+/g

/** Names Windows reserves for devices, with or without an extension. */
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i

/**
 * A file name for a document titled `title` with `extension` (such as `md`): the title with
 * whitespace collapsed, characters that file systems refuse replaced by `-`, no leading or
 * trailing dots, dashes or spaces, at most 100 characters (never splitting a character), and
 * {@link UNTITLED_FILE_NAME} when nothing is left. Non-ASCII characters are kept.
 */
export function exportFileName(title: string, extension: string): string {
  let stem = title
    .normalize('NFC')
    .replace(/\s+/g, ' ')
    .replace(UNSAFE, '-')
    .replace(/^[\s.-]+|[\s.-]+$/g, '')
  stem = Array.from(stem).slice(0, MAX_STEM_LENGTH).join('').trimEnd()
  if (!stem || RESERVED.test(stem)) stem = stem ? `${stem}-` : UNTITLED_FILE_NAME
  return `${stem}.${extension}`
}

/**
 * `exportFileName` made unique among `taken` (compared case-insensitively, as on Windows and
 * macOS): `Plan.md`, then `Plan (2).md`, `Plan (3).md`… Adds the result to `taken`.
 */
export function uniqueFileName(name: string, taken: Set<string>): string {
  const dot = name.lastIndexOf('.')
  const stem = dot > 0 ? name.slice(0, dot) : name
  const extension = dot > 0 ? name.slice(dot) : ''
  let candidate = name
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${extension}`
  taken.add(candidate.toLowerCase())
  return candidate
}

/**
 * The style sheet of an exported HTML page: readable on its own and printable, close to the
 * editor's look, with nothing fetched from elsewhere.
 */
export const EXPORT_PAGE_STYLE = `
:root { color-scheme: light dark; }
body { max-width: 42rem; margin: 2rem auto; padding: 0 1rem; font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; background: #fff; }
@media (prefers-color-scheme: dark) { body { color: #e6e6e6; background: #1b1b1b; } a { color: #8ab4f8; } }
h1, h2, h3 { line-height: 1.25; margin: 1.6em 0 0.5em; }
h1:first-child { margin-top: 0; }
pre { padding: 0.75em 1em; overflow-x: auto; border-radius: 6px; background: rgba(127, 127, 127, 0.12); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
:not(pre) > code { padding: 0.1em 0.3em; border-radius: 4px; background: rgba(127, 127, 127, 0.15); }
blockquote { margin: 1em 0; padding-left: 1em; border-left: 3px solid rgba(127, 127, 127, 0.5); color: inherit; opacity: 0.85; }
hr { border: 0; border-top: 1px solid rgba(127, 127, 127, 0.4); margin: 2em 0; }
ul[data-type="taskList"] { list-style: none; padding-left: 0.25em; }
ul[data-type="taskList"] li { display: flex; gap: 0.5em; align-items: flex-start; }
ul[data-type="taskList"] li > label { flex: none; margin-top: 0.1em; }
ul[data-type="taskList"] li > div { flex: 1; }
li > p { margin: 0.25em 0; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; } }
`.trim()
