import type { IncomingMessage } from 'node:http'
import proxyAddr from '@fastify/proxy-addr'
import type { Config } from '../config.js'

type ProxySettings = Pick<Config, 'trustProxy' | 'allowedOrigins' | 'development'>

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * The client's address as Fastify computes `request.ip` for the HTTP routes: the peer address, or
 * with TRUST_PROXY the nearest untrusted X-Forwarded-For entry.
 */
export function addressResolver(config: ProxySettings): (req: IncomingMessage) => string {
  const setting = config.trustProxy
  if (setting === false) return (req) => req.socket.remoteAddress ?? ''
  const trust =
    setting === true
      ? () => true
      : typeof setting === 'number'
        ? (_address: string, hop: number) => hop < setting
        : proxyAddr.compile(setting)
  return (req) => proxyAddr(req, trust)
}

/** The Host the client asked for; behind a trusted proxy, the last X-Forwarded-Host. */
function requestHost(config: ProxySettings, req: IncomingMessage): string | undefined {
  const forwarded = req.headers['x-forwarded-host']
  if (config.trustProxy !== false && typeof forwarded === 'string' && forwarded !== '') {
    return forwarded.slice(forwarded.lastIndexOf(',') + 1).trim()
  }
  return req.headers.host
}

/**
 * Guards against cross-site WebSocket hijacking: a browser always sends Origin, so a page on
 * another site is refused unless listed in ALLOWED_ORIGINS. Non-browser clients send no Origin.
 */
export function originAllowed(config: ProxySettings, req: IncomingMessage): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return true
  if (config.allowedOrigins.includes('*') || config.allowedOrigins.includes(origin)) return true
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  if (url.host === requestHost(config, req)) return true
  // The Vite dev server (pnpm dev) runs on another local port and proxies the socket.
  return config.development && LOCAL_HOSTS.has(url.hostname)
}
