// The chained commands used here (toggleBold, setLink, toggleTaskList…) are declared by these
// extensions' types. The schema itself now comes from @tandem/shared/schema, whose declaration
// files do not import them, so without these the commands do not typecheck.
import type {} from '@tiptap/extension-list'
import type {} from '@tiptap/starter-kit'
import type { Editor } from '@tiptap/react'
import { useEditorState } from '@tiptap/react'
import { useLayoutEffect, useRef, type KeyboardEvent, type ReactNode } from 'react'
import { icons } from '../components/icons'
import { LinkDialog } from './LinkDialog'
import { useScrollEdges } from './useScrollEdges'

const isMac = /Mac|iPhone|iPad/.test(navigator.platform)
const mod = isMac ? '⌘' : 'Ctrl+'

interface ButtonProps {
  label: string
  shortcut?: string
  active?: boolean
  disabled?: boolean
  onClick: () => void
  children: ReactNode
}

function ToolbarButton({ label, shortcut, active, disabled, onClick, children }: ButtonProps) {
  return (
    <button
      type="button"
      className="toolbar-button"
      aria-label={label}
      aria-pressed={active === undefined ? undefined : active}
      title={shortcut ? `${label} (${shortcut})` : label}
      disabled={disabled}
      // Keep the editor's selection: a toolbar click must not move focus away mid-command.
      onMouseDown={(event) => event.preventDefault()}
      onClick={onClick}
    >
      {children}
    </button>
  )
}

interface ToolbarProps {
  editor: Editor
  disabled: boolean
  linkOpen: boolean
  setLinkOpen: (open: boolean) => void
}

/**
 * Formatting, lists, blocks, link and per-user undo/redo, each showing whether it is active. Where
 * the buttons do not fit, they scroll sideways, and a faded arrow marks each edge with more.
 */
export function Toolbar({ editor, disabled, linkOpen, setLinkOpen }: ToolbarProps) {
  const state = useEditorState({
    editor,
    selector: ({ editor: e }) => ({
      h1: e.isActive('heading', { level: 1 }),
      h2: e.isActive('heading', { level: 2 }),
      h3: e.isActive('heading', { level: 3 }),
      bold: e.isActive('bold'),
      italic: e.isActive('italic'),
      strike: e.isActive('strike'),
      code: e.isActive('code'),
      bulletList: e.isActive('bulletList'),
      orderedList: e.isActive('orderedList'),
      taskList: e.isActive('taskList'),
      blockquote: e.isActive('blockquote'),
      codeBlock: e.isActive('codeBlock'),
      link: e.isActive('link'),
      canUndo: e.can().undo(),
      canRedo: e.can().redo(),
    }),
  })
  const chain = () => editor.chain().focus()
  const ref = useRef<HTMLDivElement>(null)
  const current = useRef(0)
  // On a narrow screen the buttons scroll sideways: a fade with an arrow at each edge that hides
  // some says there is more (decorative: arrow keys and screen readers reach every button).
  const more = useScrollEdges(ref)

  // One Tab stop for the whole toolbar; arrow keys move between buttons (WAI-ARIA toolbar).
  const buttons = (): HTMLButtonElement[] =>
    Array.from(ref.current?.querySelectorAll<HTMLButtonElement>('button:not(:disabled)') ?? [])
  useLayoutEffect(() => {
    const all = buttons()
    const index = Math.min(current.current, all.length - 1)
    all.forEach((button, i) => (button.tabIndex = i === index ? 0 : -1))
  })
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const all = buttons()
    const from = all.indexOf(document.activeElement as HTMLButtonElement)
    if (from < 0) return
    const to =
      event.key === 'ArrowRight'
        ? (from + 1) % all.length
        : event.key === 'ArrowLeft'
          ? (from - 1 + all.length) % all.length
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? all.length - 1
              : -1
    if (to < 0) return
    event.preventDefault()
    all[to]?.focus()
  }
  const onFocus = (): void => {
    const all = buttons()
    const index = all.indexOf(document.activeElement as HTMLButtonElement)
    if (index < 0) return
    current.current = index
    all.forEach((button, i) => (button.tabIndex = i === index ? 0 : -1))
  }

  return (
    <div
      className="toolbar-frame"
      data-more-start={more.start || undefined}
      data-more-end={more.end || undefined}
    >
      <div
        ref={ref}
        className="toolbar"
        role="toolbar"
        aria-label="Formatting"
        onKeyDown={onKeyDown}
        onFocus={onFocus}
      >
        <div className="toolbar-group">
          <ToolbarButton
            label="Undo"
            shortcut={`${mod}Z`}
            disabled={disabled || !state.canUndo}
            onClick={() => chain().undo().run()}
          >
            {icons.undo}
          </ToolbarButton>
          <ToolbarButton
            label="Redo"
            shortcut={isMac ? '⇧⌘Z' : 'Ctrl+Y'}
            disabled={disabled || !state.canRedo}
            onClick={() => chain().redo().run()}
          >
            {icons.redo}
          </ToolbarButton>
        </div>
        <div className="toolbar-group">
          {([1, 2, 3] as const).map((level) => (
            <ToolbarButton
              key={level}
              label={`Heading ${level}`}
              shortcut={`${mod}${isMac ? '⌥' : 'Alt+'}${level}`}
              active={state[`h${level}`]}
              disabled={disabled}
              onClick={() => chain().toggleHeading({ level }).run()}
            >
              <span className="toolbar-text">H{level}</span>
            </ToolbarButton>
          ))}
        </div>
        <div className="toolbar-group">
          <ToolbarButton
            label="Bold"
            shortcut={`${mod}B`}
            active={state.bold}
            disabled={disabled}
            onClick={() => chain().toggleBold().run()}
          >
            <span className="toolbar-text toolbar-bold">B</span>
          </ToolbarButton>
          <ToolbarButton
            label="Italic"
            shortcut={`${mod}I`}
            active={state.italic}
            disabled={disabled}
            onClick={() => chain().toggleItalic().run()}
          >
            <span className="toolbar-text toolbar-italic">I</span>
          </ToolbarButton>
          <ToolbarButton
            label="Strikethrough"
            shortcut={`${mod}${isMac ? '⇧' : 'Shift+'}S`}
            active={state.strike}
            disabled={disabled}
            onClick={() => chain().toggleStrike().run()}
          >
            <span className="toolbar-text toolbar-strike">S</span>
          </ToolbarButton>
          <ToolbarButton
            label="Inline code"
            shortcut={`${mod}E`}
            active={state.code}
            disabled={disabled}
            onClick={() => chain().toggleCode().run()}
          >
            {icons.code}
          </ToolbarButton>
          <ToolbarButton
            label="Link"
            shortcut={`${mod}K`}
            active={state.link}
            disabled={disabled}
            onClick={() => setLinkOpen(true)}
          >
            {icons.link}
          </ToolbarButton>
        </div>
        <div className="toolbar-group">
          <ToolbarButton
            label="Bullet list"
            shortcut={`${mod}${isMac ? '⇧' : 'Shift+'}8`}
            active={state.bulletList}
            disabled={disabled}
            onClick={() => chain().toggleBulletList().run()}
          >
            {icons.bulletList}
          </ToolbarButton>
          <ToolbarButton
            label="Numbered list"
            shortcut={`${mod}${isMac ? '⇧' : 'Shift+'}7`}
            active={state.orderedList}
            disabled={disabled}
            onClick={() => chain().toggleOrderedList().run()}
          >
            {icons.orderedList}
          </ToolbarButton>
          <ToolbarButton
            label="Task list"
            shortcut={`${mod}${isMac ? '⇧' : 'Shift+'}9`}
            active={state.taskList}
            disabled={disabled}
            onClick={() => chain().toggleTaskList().run()}
          >
            {icons.taskList}
          </ToolbarButton>
          <ToolbarButton
            label="Quote"
            shortcut={`${mod}${isMac ? '⇧' : 'Shift+'}B`}
            active={state.blockquote}
            disabled={disabled}
            onClick={() => chain().toggleBlockquote().run()}
          >
            {icons.quote}
          </ToolbarButton>
          <ToolbarButton
            label="Code block"
            shortcut={`${mod}${isMac ? '⌥' : 'Alt+'}C`}
            active={state.codeBlock}
            disabled={disabled}
            onClick={() => chain().toggleCodeBlock().run()}
          >
            {icons.codeBlock}
          </ToolbarButton>
        </div>
        <LinkDialog editor={editor} open={linkOpen} onClose={() => setLinkOpen(false)} />
      </div>
      <span
        className="toolbar-more toolbar-more-start"
        aria-hidden="true"
        data-testid="toolbar-more-start"
      >
        {icons.chevronLeft}
      </span>
      <span
        className="toolbar-more toolbar-more-end"
        aria-hidden="true"
        data-testid="toolbar-more-end"
      >
        {icons.chevronRight}
      </span>
    </div>
  )
}
