import { displayUser } from '@tandem/shared'
import { useEffect, useMemo, useState } from 'react'
import { ApiRequestError, type CollabSession } from '../collab'
import type { AuthorLookup } from './previewExtensions'
import { CURRENT, type Comparison, type TimelineEntry } from './timeline'
import { currentVersion, EMPTY_UPDATE_V2, type DecodedVersion } from './updates'
import type { VersionCache } from './VersionCache'
import type { PreviewRequest } from './VersionPreview'

/** How long the live document must be still before its preview is drawn again, in ms. */
const LIVE_SETTLE_MS = 400

/** What the preview shows, whether the next one is on its way, and why it failed. */
export interface PreviewState {
  request: PreviewRequest | undefined
  loading: boolean
  error: string | undefined
}

/**
 * Counts changes to `session`'s live document while `active`, a short while after each burst:
 * the current version's preview follows what people type.
 */
function useLiveRevision(session: CollabSession, active: boolean): number {
  const [revision, setRevision] = useState(0)
  useEffect(() => {
    if (!active) return
    let timer: ReturnType<typeof setTimeout> | undefined
    const onUpdate = (): void => {
      clearTimeout(timer)
      timer = setTimeout(() => setRevision((r) => r + 1), LIVE_SETTLE_MS)
    }
    session.doc.on('update', onUpdate)
    return () => {
      clearTimeout(timer)
      session.doc.off('update', onUpdate)
    }
  }, [session, active])
  return revision
}

/**
 * The author of each Yjs client id: as the server recorded them in the versions loaded, else as
 * they appear in the document now (someone typing since the last version), else a name-less
 * author in a colour of their own. Always through `displayUser`.
 */
function authorLookup(session: CollabSession, cache: VersionCache): AuthorLookup {
  const present = new Map<number, unknown>()
  for (const [clientId, state] of session.awareness.getStates()) {
    present.set(clientId, (state as { user?: unknown }).user)
  }
  return (clientId) => displayUser(cache.authors.get(clientId) ?? present.get(clientId), clientId)
}

/**
 * Loads and prepares what the preview shows for `comparison`: the two states as V2 updates (the
 * current one read from the live document, saved ones through `cache`), titles and authors. The
 * latest comparison wins; the one shown stays until the next is ready.
 */
export function usePreview(
  session: CollabSession,
  cache: VersionCache,
  comparison: Comparison | undefined,
): PreviewState {
  const live = useLiveRevision(session, comparison?.target.kind === 'current')
  const [state, setState] = useState<PreviewState>({
    request: undefined,
    loading: true,
    error: undefined,
  })
  const target = comparison?.target
  const base = comparison?.base
  const baseId = typeof base === 'string' ? base : base?.id
  // A stable identity for what to show: a new one only when the pair (or the live text) changes.
  const key = target && `${target.id}${target.id === CURRENT ? `@${live}` : ''}:${baseId}`
  const pair = useMemo(() => (key ? { target, base } : undefined), [key])

  useEffect(() => {
    if (!pair?.target || !key) return
    let cancelled = false
    const load = (entry: TimelineEntry): Promise<DecodedVersion> =>
      entry.kind === 'current' ? Promise.resolve(currentVersion(session.doc)) : cache.load(entry.id)
    const loadTarget = load(pair.target)
    const loadBase =
      pair.base === 'same'
        ? loadTarget
        : pair.base === 'empty' || pair.base === undefined
          ? Promise.resolve({ updateV2: EMPTY_UPDATE_V2, title: '' })
          : load(pair.base)
    setState((s) => ({ ...s, loading: true, error: undefined }))
    Promise.all([loadTarget, loadBase]).then(
      ([shown, since]) => {
        if (cancelled) return
        const comparing = pair.base !== 'same'
        setState({
          loading: false,
          error: undefined,
          request: {
            key,
            targetId: pair.target.id,
            baseId: baseId ?? 'empty',
            targetV2: shown.updateV2,
            baseV2: since.updateV2,
            title: shown.title,
            oldTitle: comparing && since.title !== shown.title ? since.title : undefined,
            authorOf: authorLookup(session, cache),
          },
        })
      },
      (failure: unknown) => {
        if (cancelled) return
        // The server's refusals say what to do; anything else is a version this page cannot read.
        const message =
          failure instanceof ApiRequestError ? failure.message : 'This version could not be read.'
        setState((s) => ({ ...s, loading: false, error: message }))
      },
    )
    return () => {
      cancelled = true
    }
  }, [session, cache, pair, key, baseId])

  // Until the effect above has started on a new pair, what is shown is already out of date.
  return state.request?.key === key ? state : { ...state, loading: true }
}
