import { useRef } from 'react'
import { IMPORT_ACCEPT } from './importFile'

interface ImportButtonProps {
  disabled: boolean
  busy: boolean
  onFile: (file: File) => void
}

/** "Import…": picks a Markdown, HTML or text file and hands it to `onFile`. */
export function ImportButton({ disabled, busy, onFile }: ImportButtonProps) {
  const input = useRef<HTMLInputElement>(null)
  return (
    <>
      <button
        type="button"
        className="button button-large"
        disabled={disabled}
        onClick={() => input.current?.click()}
        aria-describedby="import-hint"
      >
        {busy ? 'Importing…' : 'Import a file…'}
      </button>
      <input
        ref={input}
        type="file"
        accept={IMPORT_ACCEPT}
        hidden
        data-testid="import-input"
        onChange={(event) => {
          const file = event.target.files?.[0]
          // Cleared so that choosing the same file again fires another change.
          event.target.value = ''
          if (file) onFile(file)
        }}
      />
    </>
  )
}
