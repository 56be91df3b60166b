import { get } from 'node:http'
import { createServer } from 'node:net'

/**
 * A TCP port that was free on `host` a moment ago (bound to port 0, read, released). Another
 * process may take it before it is used: a server started on it can still fail with EADDRINUSE.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (!port) throw new Error(`could not find a free port on ${host}`)
  return port
}

/**
 * Whether GET `url` answers 200 within `timeoutMs` milliseconds; false on any other status, a
 * refused or reset connection, or the timeout. No keep-alive: nothing is left open afterwards.
 */
export function answersOk(url: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const request = get(url, { agent: false, timeout: timeoutMs }, (response) => {
      response.resume()
      resolve(response.statusCode === 200)
    })
    request.on('error', () => resolve(false))
    request.on('timeout', () => {
      request.destroy()
      resolve(false)
    })
  })
}
