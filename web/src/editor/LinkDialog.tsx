import type { Editor } from '@tiptap/react'
import { useState, type FormEvent } from 'react'
import { Dialog } from '../components/Dialog'

interface LinkDialogProps {
  editor: Editor
  open: boolean
  onClose: () => void
}

/** Adds, changes or removes the link on the selection (or inserts the address as a link). */
export function LinkDialog({ editor, open, onClose }: LinkDialogProps) {
  return (
    <Dialog open={open} onClose={onClose} title="Link">
      <LinkForm editor={editor} onClose={onClose} />
    </Dialog>
  )
}

function normalizeHref(raw: string): string {
  const trimmed = raw.trim()
  if (!trimmed) return ''
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed) || trimmed.startsWith('/') || trimmed.startsWith('#')) {
    return trimmed
  }
  return `https://${trimmed}`
}

function LinkForm({ editor, onClose }: { editor: Editor; onClose: () => void }) {
  const existing = (editor.getAttributes('link').href as string | undefined) ?? ''
  const [href, setHref] = useState(existing)

  const apply = (event: FormEvent): void => {
    event.preventDefault()
    const target = normalizeHref(href)
    const chain = editor.chain().focus().extendMarkRange('link')
    if (!target) {
      chain.unsetLink().run()
    } else if (editor.state.selection.empty && !existing) {
      chain
        .insertContent({
          type: 'text',
          text: href.trim(),
          marks: [{ type: 'link', attrs: { href: target } }],
        })
        .run()
    } else {
      chain.setLink({ href: target }).run()
    }
    onClose()
  }

  const remove = (): void => {
    editor.chain().focus().extendMarkRange('link').unsetLink().run()
    onClose()
  }

  return (
    <form onSubmit={apply} className="stack">
      <label className="field">
        <span>Address</span>
        <input
          type="text"
          inputMode="url"
          autoComplete="url"
          placeholder="https://example.com"
          value={href}
          onChange={(event) => setHref(event.target.value)}
          data-autofocus
        />
      </label>
      <div className="dialog-actions">
        {existing && (
          <button type="button" className="button" onClick={remove}>
            Remove link
          </button>
        )}
        <button type="submit" className="button button-primary">
          {existing ? 'Update link' : 'Add link'}
        </button>
      </div>
    </form>
  )
}
