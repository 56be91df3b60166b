// The editor feature's public entry: what pages and other features may use.
export { DocumentEditor } from './DocumentEditor'
export { useTitleText } from './useTitleText'
export type { DocumentExport, DocumentExporter } from './documentExport'
export { contentExtensions } from './extensions'
