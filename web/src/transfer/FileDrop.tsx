import { useEffect, useState } from 'react'

interface FileDropProps {
  disabled: boolean
  onFile: (file: File) => void
  /** Called with a message when the drop cannot be imported (several files, say). */
  onRefused: (message: string) => void
}

/** Whether a drag carries files (not text or a link dragged from the page). */
function carriesFiles(event: DragEvent): boolean {
  return event.dataTransfer?.types.includes('Files') ?? false
}

/**
 * Lets a file dropped anywhere on the page be imported: while one is dragged over the window, a
 * full-page target says what will happen; dropping it calls `onFile`. Without this, a browser
 * would open the dropped file in place of the app.
 */
export function FileDrop({ disabled, onFile, onRefused }: FileDropProps) {
  const [over, setOver] = useState(false)

  useEffect(() => {
    // dragenter/dragleave fire for every element crossed; counting them tells when the drag
    // really left the window.
    let depth = 0
    const onDragEnter = (event: DragEvent): void => {
      if (!carriesFiles(event)) return
      event.preventDefault()
      depth++
      setOver(true)
    }
    const onDragOver = (event: DragEvent): void => {
      if (!carriesFiles(event)) return
      event.preventDefault()
      if (event.dataTransfer) event.dataTransfer.dropEffect = disabled ? 'none' : 'copy'
    }
    const onDragLeave = (event: DragEvent): void => {
      if (!carriesFiles(event)) return
      depth = Math.max(0, depth - 1)
      if (depth === 0) setOver(false)
    }
    const onDrop = (event: DragEvent): void => {
      if (!carriesFiles(event)) return
      event.preventDefault()
      depth = 0
      setOver(false)
      if (disabled) return
      const files = Array.from(event.dataTransfer?.files ?? [])
      const [file] = files
      if (files.length > 1) onRefused('Drop one file at a time.')
      else if (file) onFile(file)
    }
    window.addEventListener('dragenter', onDragEnter)
    window.addEventListener('dragover', onDragOver)
    window.addEventListener('dragleave', onDragLeave)
    window.addEventListener('drop', onDrop)
    return () => {
      window.removeEventListener('dragenter', onDragEnter)
      window.removeEventListener('dragover', onDragOver)
      window.removeEventListener('dragleave', onDragLeave)
      window.removeEventListener('drop', onDrop)
    }
  }, [disabled, onFile, onRefused])

  if (!over) return null
  return (
    <div className="file-drop" data-testid="file-drop" aria-hidden="true">
      <div className="file-drop-target">
        <p className="file-drop-title">{disabled ? 'Please wait…' : 'Drop to import'}</p>
        <p className="file-drop-detail">A Markdown, HTML or text file becomes a new document.</p>
      </div>
    </div>
  )
}
