/**
 * A small JSON-over-HTTP client for the REST API of a server under test: keep-alive sockets (so a
 * timed request is one request, not a TCP handshake too), bodies encoded by the caller ahead of
 * time, and each request timed from before it is written to the last byte of its response.
 */
import { Agent, request } from 'node:http'
import { nowMs } from './clock.js'

/** A response, its body as text. */
export interface HttpResponse {
  status: number
  body: string
  /** From just before the request was written to the end of the response, in milliseconds. */
  ms: number
}

export class JsonClient {
  private readonly agent: Agent

  /** A client of 127.0.0.1:`port` with at most `maxSockets` requests in flight. */
  constructor(
    private readonly port: number,
    maxSockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets })
  }

  /** POSTs `body` (JSON already encoded); rejects on a network error or after `timeoutMs`. */
  post(path: string, body: Buffer, timeoutMs: number): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve, reject) => {
      const start = nowMs()
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          path,
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': body.byteLength },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('error', reject)
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              ms: nowMs() - start,
            }),
          )
        },
      )
      req.on('error', reject)
      req.setTimeout(timeoutMs, () => {
        req.destroy(new Error(`POST ${path}: no answer within ${timeoutMs} ms`))
      })
      req.end(body)
    })
  }

  /** Closes the idle sockets (requests in flight are cut). */
  close(): void {
    this.agent.destroy()
  }
}
