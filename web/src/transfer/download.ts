import type { DocumentFile } from './documentFiles'

/** Saves `file` through the browser's download (a click on a temporary link to a blob). */
export function saveFile(file: DocumentFile | { name: string; blob: Blob }): void {
  const blob = 'blob' in file ? file.blob : new Blob([file.text], { type: file.type })
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = file.name
  link.rel = 'noopener'
  document.body.append(link)
  link.click()
  link.remove()
  // The download has started from the URL by now; revoking later only frees the memory.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
