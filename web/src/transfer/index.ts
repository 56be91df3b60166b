// The transfer feature's public entry (getting documents in and out): what pages may use.
export { DocumentMenu } from './DocumentMenu'
export { FileDrop } from './FileDrop'
export { ImportButton } from './ImportButton'
export { importFile } from './importFile'
export { ZipButton } from './ZipButton'
