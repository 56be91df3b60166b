import { useCallback, useEffect, useRef, useState } from 'react'
import { listVersions, type Version } from '../collab'

/** Time between reloads of the list while the panel is open, in milliseconds. */
const RELOAD_INTERVAL_MS = 30_000

/** The list as last loaded; `error` says why the latest load failed (the old list stays). */
export interface VersionListState {
  versions: Version[] | undefined
  error: string | undefined
  /** Loads the list again now; resolves when it has (or failed). */
  reload: () => Promise<void>
}

/**
 * The saved versions of document `docId`, newest first: loaded on mount, again every
 * {@link RELOAD_INTERVAL_MS} (automatic versions appear while people edit) and on `reload`.
 * Answers arriving out of order never replace a newer one.
 */
export function useVersionList(docId: string): VersionListState {
  const [versions, setVersions] = useState<Version[]>()
  const [error, setError] = useState<string>()
  const requests = useRef(0)
  const applied = useRef(0)
  const mounted = useRef(true)

  const reload = useCallback(async (): Promise<void> => {
    const request = ++requests.current
    try {
      const list = await listVersions(docId)
      if (!mounted.current || request < applied.current) return
      applied.current = request
      setVersions(list)
      setError(undefined)
    } catch (failure) {
      if (!mounted.current || request < applied.current) return
      setError(failure instanceof Error ? failure.message : String(failure))
    }
  }, [docId])

  useEffect(() => {
    mounted.current = true
    void reload()
    const timer = setInterval(() => void reload(), RELOAD_INTERVAL_MS)
    return () => {
      mounted.current = false
      clearInterval(timer)
    }
  }, [reload])

  return { versions, error, reload }
}
