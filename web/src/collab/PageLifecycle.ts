import type { PresenceUser } from '@tandem/shared'
import { removeAwarenessStates } from 'y-protocols/awareness'
import type { WebsocketProvider } from 'y-websocket'
import { getIdentity, subscribeIdentity } from '../presence'
import type { ReconnectScheduler } from '@tandem/shared'

/** The parts of one session that the browser's network and page events act on. */
export interface PageLifecycleTarget {
  provider: WebsocketProvider
  reconnect: ReconnectScheduler
  /** Whether the socket may reopen once the network is back (the session has not stopped). */
  mayReconnect: () => boolean
  /** The browser went offline or came back: the session's status changed. */
  changed: () => void
  /** The page was hidden or shown; hidden may mean closed for good (phones discard tabs). */
  visibilityChanged: () => void
}

/**
 * A session's view of the browser it runs in: the network (the socket stops while the browser
 * is offline and reopens at once when it is back), and this tab's presence through the page's
 * life (its identity published and followed, withdrawn when the page is left, published again
 * when the page comes back from the back/forward cache). Listens until {@link dispose}.
 */
export class PageLifecycle {
  /** The browser says it has no network. */
  offline = !navigator.onLine
  private readonly cleanups: Array<() => void> = []

  constructor(private readonly target: PageLifecycleTarget) {
    const awareness = target.provider.awareness
    const onOffline = (): void => {
      this.offline = true
      target.reconnect.cancel()
      target.provider.disconnect()
      target.changed()
    }
    // Back online: try at once rather than wait out a backoff that the outage inflated.
    const onOnline = (): void => {
      this.offline = false
      target.reconnect.cancel()
      if (target.mayReconnect()) target.provider.connect()
      target.changed()
    }
    // Leaving the page: say goodbye now rather than when the server notices the socket is gone.
    const onPageHide = (): void => {
      removeAwarenessStates(awareness, [awareness.clientID], 'page hidden')
    }
    const onPageShow = (event: PageTransitionEvent): void => {
      if (event.persisted) awareness.setLocalStateField('user', getIdentity())
    }
    const onVisibility = (): void => target.visibilityChanged()
    window.addEventListener('offline', onOffline)
    window.addEventListener('online', onOnline)
    window.addEventListener('pagehide', onPageHide)
    window.addEventListener('pageshow', onPageShow)
    document.addEventListener('visibilitychange', onVisibility)
    this.cleanups.push(() => {
      window.removeEventListener('offline', onOffline)
      window.removeEventListener('online', onOnline)
      window.removeEventListener('pagehide', onPageHide)
      window.removeEventListener('pageshow', onPageShow)
      document.removeEventListener('visibilitychange', onVisibility)
    })

    const publish = (user: PresenceUser): void => awareness.setLocalStateField('user', user)
    publish(getIdentity())
    this.cleanups.push(subscribeIdentity(() => publish(getIdentity())))
  }

  /** The page is hidden (another tab, minimised, or a phone's app switcher). */
  get hidden(): boolean {
    return document.visibilityState === 'hidden'
  }

  /** Stops listening; this tab's presence stays as it is (the session withdraws it). */
  dispose(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup()
  }
}
