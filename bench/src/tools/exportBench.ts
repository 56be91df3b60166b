/**
 * `node bench/dist/tools/exportBench.js [ops] [runs]`: Markdown export of the big document.
 *
 * Starts the built Tandem server, uploads the big-document scenario's editing history (100,000
 * operations by default, batch 100, seed 1, as `pnpm bench` makes it) over the sync socket, then
 * times `GET /api/docs/:id/export?format=md` `runs` times (20 by default), one after another (the
 * room stays loaded between them), and prints the first (conversion thread starting) and the p50
 * and max of the rest. A figure to report, not a test: nothing here passes or fails on time.
 */
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import { decodeMessage, encodeSyncUpdate, type CreatedDocument } from '@tandem/shared'
import { TandemServer } from '@tandem/testkit'
import { generateHistory } from '../bigdoc.js'
import { summarize } from '../stats.js'

const ops = Number(process.argv[2] ?? 100_000)
const runs = Number(process.argv[3] ?? 20)

/** Sends every payload as a sync update and resolves when the server has saved them all. */
async function upload(url: string, payloads: readonly Uint8Array[]): Promise<void> {
  const socket = new WebSocket(url)
  socket.binaryType = 'nodebuffer'
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject)
    socket.on('message', (data: Buffer) => {
      const message = decodeMessage(new Uint8Array(data))
      if (message.type === 'saved' && message.count >= payloads.length) resolve()
    })
    socket.on('close', (code) => reject(new Error(`sync socket closed (${code})`)))
    socket.on('open', () => {
      for (const payload of payloads) socket.send(encodeSyncUpdate(payload))
    })
  })
  socket.removeAllListeners('close')
  socket.close()
}

const history = generateHistory(ops, 100, 1)
const server = await TandemServer.start({ dataDirPrefix: 'tandem-export-bench-' })
try {
  const created = await fetch(`${server.url}/api/docs`, { method: 'POST' })
  const { id } = (await created.json()) as CreatedDocument
  await upload(`${server.ws}/${id}?ack=1`, history.payloads)
  const times: number[] = []
  let bytes = 0
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    const res = await fetch(`${server.url}/api/docs/${id}/export?format=md`)
    const text = await res.text()
    times.push(performance.now() - started)
    if (res.status !== 200) throw new Error(`export answered ${res.status}: ${text}`)
    bytes = Buffer.byteLength(text)
  }
  const [first = NaN, ...rest] = times
  const hot = summarize(rest)
  console.log(
    JSON.stringify(
      {
        ops,
        paragraphs: history.paragraphs,
        characters: history.characters,
        stateBytes: history.stateBytes,
        markdownBytes: bytes,
        firstMs: Math.round(first),
        p50Ms: Math.round(hot.p50),
        maxMs: Math.round(hot.max),
        runs,
      },
      null,
      2,
    ),
  )
} finally {
  await server.dispose()
}
