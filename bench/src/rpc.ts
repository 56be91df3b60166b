/** The commands the main thread sends to generator workers, with their arguments and results. */
import type { Role } from './connection.js'
import type { Target } from './wire.js'

/** Event-loop delay of one thread over a window, in ms. */
export interface LagStats {
  p50Ms: number
  p99Ms: number
  maxMs: number
}

export interface ClientSpec {
  room: string
  role: Role
  /** Yjs clientID for editors (clientBase + editor index); -1 otherwise. */
  clientID: number
}

export interface CommandArgs {
  setup: { sendTimes: SharedArrayBuffer; clientBase: number; maxSeq: number; numEditors: number }
  connect: {
    target: Target
    clients: ClientSpec[]
    ack: boolean
    concurrency: number
    timeoutMs: number
    seed: number
  }
  prepare: { count: number }
  run: { startAt: number; durationMs: number; ratePerEditor: number }
  collect: undefined
  replicas: undefined
  closeAll: undefined
  join: { target: Target; room: string; timeoutMs: number; keepPayload: boolean; hold: boolean }
  upload: {
    target: Target
    room: string
    payloads: Uint8Array[]
    ack: boolean
    timeoutMs: number
    hold: boolean
  }
  lag: undefined
}

export interface CommandResult {
  setup: { ok: boolean }
  connect: { results: { ok: boolean; syncMs: number; error?: string }[] }
  prepare: { editors: number }
  run: { sent: number; late: number }
  collect: {
    latencies: Float64Array
    ackLatencies: Float64Array
    delivered: number
    echoes: number
    unmatched: number
    unparsed: number
    dropped: number
    sent: number
    closedEarly: number
    pendingAcks: number
    lag: LagStats
  }
  replicas: { stateVector: Record<number, number>; text: string }[]
  closeAll: { closed: number }
  join: { ok: boolean; syncMs: number; bytes: number; payload?: Uint8Array; error?: string }
  upload: { ok: boolean; ms: number; error?: string }
  lag: LagStats
}

export type Command = keyof CommandArgs
