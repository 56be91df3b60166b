import { lazy, Suspense } from 'react'
import { usePathname } from './navigation'
import { HomePage } from './pages/HomePage'
import { MessagePage } from './pages/MessagePage'

// The editor (Tiptap, Yjs) is most of the code; the home page does not wait for it.
const DocumentPage = lazy(() =>
  import('./pages/DocumentPage').then((m) => ({ default: m.DocumentPage })),
)

/** Routes: `/` (home) and `/d/:id` (a document); anything else is a friendly dead end. */
export function App() {
  const pathname = usePathname()
  if (pathname === '/' || pathname === '/index.html') return <HomePage />
  const match = /^\/d\/([^/]*)\/?$/.exec(pathname)
  if (match) {
    const id = safeDecode(match[1] ?? '')
    return (
      <Suspense fallback={<Loading />}>
        <DocumentPage key={id} id={id} />
      </Suspense>
    )
  }
  return (
    <MessagePage title="Page not found">
      <p>There is nothing at this address.</p>
    </MessagePage>
  )
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

function Loading() {
  return (
    <main className="message-page" aria-busy="true">
      <p className="muted">Opening document…</p>
    </main>
  )
}
