import fs from 'node:fs'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'
import type { AppContext } from '../context.js'
import { redactPath } from '../redact.js'
import { ApiErrorCode } from '@tandem/shared'
import { sendError } from '../http/errors.js'

const PLACEHOLDER = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tandem</title></head>
<body><main><h1>Tandem</h1><p>The web app is not built yet. Run <code>pnpm build</code> (or
<code>pnpm start</code>, which builds it) and reload.</p></main></body></html>`

/** Paths that belong to the server, never to the web app's client-side routes. */
const SERVER_PREFIXES = ['/api/', '/sync/', '/metrics', '/healthz', '/readyz']

/**
 * Serves the built web app. Hashed assets are cached forever; index.html and the service worker
 * are revalidated so a new build replaces the old app on the next load. Unknown GET paths that
 * are app routes (such as /d/:id) fall back to index.html.
 */
export async function webRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const root = ctx.config.webDir
  const index = path.join(root, 'index.html')
  const built = fs.existsSync(index)
  if (built) {
    await app.register(fastifyStatic, {
      root,
      wildcard: true,
      index: ['index.html'],
      cacheControl: false,
      setHeaders(res, filePath) {
        const rel = path.relative(root, filePath)
        if (rel.startsWith(`assets${path.sep}`)) {
          res.setHeader('Cache-Control', 'public, max-age=31536000, immutable')
        } else {
          res.setHeader('Cache-Control', 'no-cache')
        }
      },
    })
  } else {
    ctx.log.warn({ webDir: root }, 'web app not built; serving a placeholder page')
  }

  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0] ?? '/'
    const isAppRoute =
      (req.method === 'GET' || req.method === 'HEAD') &&
      !SERVER_PREFIXES.some((prefix) => url.startsWith(prefix)) &&
      !path.extname(url)
    if (!isAppRoute)
      return sendError(reply, ApiErrorCode.noRoute, `No route ${req.method} ${redactPath(url)}`)
    reply.header('Cache-Control', 'no-cache')
    if (built) return reply.type('text/html').sendFile('index.html', { cacheControl: false })
    return reply.type('text/html').send(PLACEHOLDER)
  })
}
