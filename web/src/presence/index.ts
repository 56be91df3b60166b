// The presence feature's public entry: what pages and other features may use.
export { getIdentity, subscribeIdentity } from './identity'
export { PresenceBar } from './PresenceBar'
