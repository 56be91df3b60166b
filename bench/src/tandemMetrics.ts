/** Tandem's Prometheus metrics (`GET /metrics`), scraped and read as the bench needs them. */
import { get as httpGet } from 'node:http'

/**
 * Quantile of a Prometheus histogram between two scrapes, as the upper bound of the bucket that
 * holds it (so "≤ this many seconds"); NaN when nothing was observed.
 */
export function histogramQuantile(
  before: Map<string, number>,
  after: Map<string, number>,
  name: string,
  q: number,
): number {
  const prefix = `${name}_bucket@`
  const buckets = [...after.keys()]
    .filter((k) => k.startsWith(prefix))
    .map((k) => {
      const le = k.slice(prefix.length)
      return {
        le: le === '+Inf' ? Infinity : Number(le),
        n: (after.get(k) ?? 0) - (before.get(k) ?? 0),
      }
    })
    .sort((a, b) => a.le - b.le)
  const total = buckets.at(-1)?.n ?? 0
  if (!total) return NaN
  return buckets.find((b) => b.n >= q * total)?.le ?? NaN
}

/**
 * The metrics of the instances on `ports`, summed over label sets and instances (name → value);
 * histogram buckets are kept by bound (`name{le="0.005"}` → `name@0.005`). An instance that does
 * not answer adds nothing.
 */
export async function scrapeMetrics(ports: readonly number[]): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  const texts = await Promise.all(ports.map((port) => scrape(port)))
  for (const text of texts) {
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line)
      if (!m) continue
      const le = m[2] ? /le="([^"]+)"/.exec(m[2]) : null
      const name = le ? `${m[1]}@${le[1]}` : (m[1] as string)
      out.set(name, (out.get(name) ?? 0) + Number(m[3]))
    }
  }
  return out
}

/** The text of one instance's /metrics; empty when it does not answer within 5 s. */
function scrape(port: number): Promise<string> {
  return new Promise<string>((res) => {
    const req = httpGet({ host: '127.0.0.1', port, path: '/metrics', timeout: 5000 }, (r) => {
      let body = ''
      r.setEncoding('utf8')
      r.on('data', (c: string) => (body += c))
      r.on('end', () => res(body))
      r.on('error', () => res(''))
    })
    req.on('error', () => res(''))
    req.on('timeout', () => {
      req.destroy()
      res('')
    })
  })
}
