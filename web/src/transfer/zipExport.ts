import { ExportFormat, exportFileName, uniqueFileName } from '@tandem/shared'

/** What the archive needs of a recent document: its link and its last known title. */
export interface ZippedDocument {
  id: string
  title: string
}

/** How many exports are fetched at once (the API is rate limited per address). */
const PARALLEL = 4

/** The outcome of {@link zipRecentDocuments}: the archive, and what could not go in it. */
export interface RecentZip {
  blob: Blob
  name: string
  /** Documents in the archive. */
  included: number
  /** Titles of those the server could not export (offline, deleted, or the link was reset). */
  missing: string[]
}

/**
 * One `.zip` of Markdown files, one per document in `documents` (this browser's recent list),
 * each exported by the server (`GET /api/docs/:id/export?format=md`) and named after its title
 * (`Plan.md`, `Plan (2).md` for a second one). Documents the server cannot export are listed in
 * `missing` rather than failing the whole archive.
 */
export async function zipRecentDocuments(
  documents: readonly ZippedDocument[],
  signal?: AbortSignal,
): Promise<RecentZip> {
  const { strToU8, zipSync } = await import('fflate')
  const texts = new Array<string | undefined>(documents.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < documents.length) {
      const index = next++
      const doc = documents[index]
      if (doc) texts[index] = await fetchMarkdown(doc.id, signal)
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, documents.length) }, worker))

  const taken = new Set<string>()
  const files: Record<string, Uint8Array> = {}
  const missing: string[] = []
  documents.forEach((doc, i) => {
    const text = texts[i]
    if (text === undefined) {
      missing.push(doc.title || 'Untitled')
      return
    }
    files[uniqueFileName(exportFileName(doc.title, ExportFormat.markdown), taken)] = strToU8(text)
  })
  const day = new Date().toISOString().slice(0, 10)
  return {
    blob: new Blob([zipSync(files, { level: 6 }) as Uint8Array<ArrayBuffer>], {
      type: 'application/zip',
    }),
    name: `Tandem documents ${day}.zip`,
    included: Object.keys(files).length,
    missing,
  }
}

async function fetchMarkdown(id: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const response = await fetch(
      `/api/docs/${encodeURIComponent(id)}/export?format=${ExportFormat.markdown}`,
      { signal: signal ?? null },
    )
    return response.ok ? await response.text() : undefined
  } catch (error) {
    if (signal?.aborted) throw error
    return undefined
  }
}
