import type { ReactNode } from 'react'
import { Link } from '../components/Link'

interface MessagePageProps {
  title: string
  children?: ReactNode
}

/** A full page for "this link does not work" and similar: what happened and a way home. */
export function MessagePage({ title, children }: MessagePageProps) {
  return (
    <main className="message-page" data-testid="message-page">
      <div className="message-card">
        <h1>{title}</h1>
        {children}
        <p>
          <Link href="/" className="button button-primary">
            Go to your documents
          </Link>
        </p>
      </div>
    </main>
  )
}
