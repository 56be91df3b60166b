import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react'
import { icons } from '../components/icons'
import type { DocumentExport } from '../editor'
import { saveFile } from './download'
import { htmlFile, markdownFile } from './documentFiles'

interface DocumentMenuProps {
  /** Reads the document as the editor shows it now (undefined before the editor exists). */
  read: () => DocumentExport | undefined
}

/** One entry of the menu: its label and what it does (a message to announce, if any). */
interface MenuAction {
  label: string
  run: (content: DocumentExport) => Promise<string | undefined> | string | undefined
}

const actions: readonly MenuAction[] = [
  {
    label: 'Download as Markdown',
    run: async (content) => {
      saveFile(await markdownFile(content))
      return undefined
    },
  },
  {
    label: 'Download as HTML',
    run: (content) => {
      saveFile(htmlFile(content))
      return undefined
    },
  },
  {
    label: 'Print / Save as PDF',
    run: () => {
      // The print style sheet leaves only the title and the text (see transfer.css).
      window.print()
      return undefined
    },
  },
  {
    label: 'Copy as Markdown',
    run: async (content) =>
      (await copyText(markdownFile(content).then((file) => file.text)))
        ? 'Copied as Markdown'
        : 'Could not copy: this browser did not allow it',
  },
]

/**
 * The document menu: download the document as Markdown or HTML, print it (or save it as a PDF
 * from the print dialog), or copy it as Markdown. Everything is made here in the browser from
 * what the editor shows, with the same serialiser and schema as the server's export, so it works
 * offline and includes changes not yet saved. A WAI-ARIA menu button: arrow keys move, Escape
 * closes and returns to the button.
 */
export function DocumentMenu({ read }: DocumentMenuProps) {
  const [open, setOpen] = useState(false)
  const [message, setMessage] = useState('')
  const buttonRef = useRef<HTMLButtonElement>(null)
  const menuRef = useRef<HTMLDivElement>(null)
  const menuId = useId()

  const items = (): HTMLButtonElement[] =>
    Array.from(menuRef.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])

  useEffect(() => {
    if (!open) return
    items()[0]?.focus()
    // A click or tap anywhere else closes the menu.
    const onPointerDown = (event: PointerEvent): void => {
      const target = event.target as Node
      if (!menuRef.current?.contains(target) && !buttonRef.current?.contains(target)) {
        setOpen(false)
      }
    }
    document.addEventListener('pointerdown', onPointerDown)
    return () => document.removeEventListener('pointerdown', onPointerDown)
  }, [open])

  useEffect(() => {
    if (!message) return
    const timer = setTimeout(() => setMessage(''), 4000)
    return () => clearTimeout(timer)
  }, [message])

  const close = (): void => {
    setOpen(false)
    buttonRef.current?.focus()
  }

  const choose = async (action: MenuAction): Promise<void> => {
    close()
    const content = read()
    if (!content) return
    try {
      setMessage((await action.run(content)) ?? '')
    } catch {
      setMessage('Something went wrong; try again')
    }
  }

  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const all = items()
    const from = all.indexOf(document.activeElement as HTMLButtonElement)
    const to =
      event.key === 'ArrowDown'
        ? (from + 1) % all.length
        : event.key === 'ArrowUp'
          ? (from - 1 + all.length) % all.length
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? all.length - 1
              : -1
    if (to >= 0) {
      event.preventDefault()
      all[to]?.focus()
    } else if (event.key === 'Escape') {
      event.preventDefault()
      close()
    } else if (event.key === 'Tab') {
      setOpen(false)
    }
  }

  return (
    <div className="document-menu">
      <button
        ref={buttonRef}
        type="button"
        className="button document-menu-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        aria-label="Export"
        title="Download, print or copy this document"
        onClick={() => setOpen((was) => !was)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' && !open) {
            event.preventDefault()
            setOpen(true)
          }
        }}
      >
        {icons.download}
        <span aria-hidden="true">Export</span>
      </button>
      {open && (
        <div
          ref={menuRef}
          id={menuId}
          className="document-menu-list"
          role="menu"
          aria-label="Export"
          onKeyDown={onMenuKeyDown}
        >
          {actions.map((action) => (
            <button
              key={action.label}
              type="button"
              role="menuitem"
              tabIndex={-1}
              className="document-menu-item"
              onClick={() => void choose(action)}
            >
              {action.label}
            </button>
          ))}
        </div>
      )}
      <span className="document-menu-status" role="status" aria-live="polite">
        {message}
      </span>
    </div>
  )
}

/**
 * Puts the text `text` resolves to on the clipboard; false when the browser refused (no Clipboard
 * API outside secure contexts, or permission denied). A ClipboardItem takes the text as a
 * promise, so browsers that require the write to start within the click (Safari) allow it.
 */
async function copyText(text: Promise<string>): Promise<boolean> {
  if (!navigator.clipboard || !window.isSecureContext) return false
  try {
    if (typeof ClipboardItem === 'function') {
      const blob = text.then((value) => new Blob([value], { type: 'text/plain' }))
      await navigator.clipboard.write([new ClipboardItem({ 'text/plain': blob })])
    } else {
      await navigator.clipboard.writeText(await text)
    }
    return true
  } catch {
    return false
  }
}
