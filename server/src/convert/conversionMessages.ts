import type { ExportFormat } from '@tandem/shared'
import type { ExportedDocument } from './exportDocument.js'
import type { ImportedDocument, ImportSource } from './importDocument.js'

/** A conversion the worker thread runs (see Converter). */
export type ConversionRequest =
  | { id: number; op: 'export'; state: Uint8Array; format: ExportFormat }
  | { id: number; op: 'import'; source: ImportSource; title?: string }

/**
 * The worker's answer to a request: the result, or why not. `unconvertible` is the content's fault (a message
 * for people); `failed` is anything else (a bug: logged, answered as a 500).
 */
export type ConversionReply =
  | { id: number; ok: true; value: ExportedDocument | ImportedDocument }
  | { id: number; ok: false; code: 'unconvertible' | 'failed'; message: string }

/** What the worker sends once, when it has loaded the schema and takes requests. */
export const CONVERTER_READY = 'ready'
