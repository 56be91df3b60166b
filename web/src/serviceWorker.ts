import { useSyncExternalStore } from 'react'
import { registerSW } from 'virtual:pwa-register'

let updateReady = false
const listeners = new Set<() => void>()

/**
 * Registers the service worker that precaches the app (offline reload). When a new build has
 * taken over in the background, the app offers a reload instead of reloading mid-sentence; the
 * next load uses the new build either way.
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return
  registerSW({
    immediate: true,
    onNeedReload() {
      updateReady = true
      for (const listener of listeners) listener()
    },
  })
}

/** True once a newer build of the app is active and a reload would show it. */
export function useUpdateReady(): boolean {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    () => updateReady,
  )
}
