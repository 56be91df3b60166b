// Worker thread that converts documents to and from Markdown and HTML. A conversion is CPU work
// that grows with the document (a megabyte of Markdown takes seconds): here it never holds up the
// event loop that relays edits. Requests are handled one at a time, in order.
import { parentPort, type MessagePort } from 'node:worker_threads'
import {
  CONVERTER_READY,
  type ConversionReply,
  type ConversionRequest,
} from './conversionMessages.js'
import { exportDocument } from './exportDocument.js'
import { importDocument, UnconvertibleContentError } from './importDocument.js'
import { richText } from './richText.js'

const port = parentPort as MessagePort
// The schema and Markdown manager are built before the first request, whose time limit starts
// only once this says it is ready.
richText()
port.postMessage(CONVERTER_READY)

port.on('message', (request: ConversionRequest) => {
  let reply: ConversionReply
  try {
    const value =
      request.op === 'export'
        ? exportDocument(request.state, request.format)
        : importDocument(request.source, request.title)
    reply = { id: request.id, ok: true, value }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    const code = err instanceof UnconvertibleContentError ? 'unconvertible' : 'failed'
    reply = { id: request.id, ok: false, code, message }
  }
  if (reply.ok && 'update' in reply.value) {
    port.postMessage(reply, [reply.value.update.buffer as ArrayBuffer])
  } else {
    port.postMessage(reply)
  }
})
