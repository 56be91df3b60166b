import { MAX_PRESENCE_NAME_LENGTH } from '@tandem/shared'
import { useState, type FormEvent } from 'react'
import { Dialog } from '../components/Dialog'
import { readableTextColor } from '../components/color'
import { getIdentity, IDENTITY_COLORS, setIdentity } from './identity'

interface IdentityDialogProps {
  open: boolean
  onClose: () => void
}

/** Lets this person change the name and colour others see next to their caret. */
export function IdentityDialog({ open, onClose }: IdentityDialogProps) {
  return (
    <Dialog open={open} onClose={onClose} title="How others see you">
      <IdentityForm onClose={onClose} />
    </Dialog>
  )
}

function IdentityForm({ onClose }: { onClose: () => void }) {
  const initial = getIdentity()
  const [name, setName] = useState(initial.name)
  const [color, setColor] = useState(initial.color)
  const palette: readonly string[] = IDENTITY_COLORS.includes(
    initial.color as (typeof IDENTITY_COLORS)[number],
  )
    ? IDENTITY_COLORS
    : [...IDENTITY_COLORS, initial.color]

  const save = (event: FormEvent): void => {
    event.preventDefault()
    setIdentity({ name, color })
    onClose()
  }

  return (
    <form onSubmit={save} className="stack">
      <label className="field">
        <span>Your name</span>
        <input
          type="text"
          value={name}
          maxLength={MAX_PRESENCE_NAME_LENGTH}
          required
          autoComplete="nickname"
          onChange={(event) => setName(event.target.value)}
          data-autofocus
        />
      </label>
      <fieldset className="field swatches">
        <legend>Your colour</legend>
        <div className="swatch-row">
          {palette.map((c) => (
            <label key={c} className="swatch" style={{ backgroundColor: c }}>
              <input
                type="radio"
                name="color"
                value={c}
                checked={c === color}
                onChange={() => setColor(c)}
                aria-label={c}
              />
              <span aria-hidden="true" style={{ color: readableTextColor(c) }}>
                {c === color ? '✓' : ''}
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="button button-primary">
          Save
        </button>
      </div>
    </form>
  )
}
