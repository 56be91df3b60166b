import { useUpdateReady } from '../serviceWorker'

/** A quiet notice that a new version of the app is ready, with a button to load it. */
export function UpdateBanner() {
  const ready = useUpdateReady()
  if (!ready) return null
  return (
    <div className="update-banner" role="status">
      <span>A new version of Tandem is ready.</span>
      <button type="button" className="button" onClick={() => location.reload()}>
        Reload
      </button>
    </div>
  )
}
