// The search feature's public entry (search across this browser's documents): what pages use.
export { DocumentSearch } from './DocumentSearch'
export { FIND_PARAM } from './findParam'
