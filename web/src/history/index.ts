// The history feature's public entry: what pages may use.
export { HistoryView } from './HistoryView'
