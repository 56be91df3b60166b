/** The protocol fuzzer's settings: seed, budget, bounds, the server's limits, allowed close codes. */
import { CloseCode } from '@tandem/shared'

const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name]
  return raw ? Number(raw) : fallback
}

// A fixed default keeps CI deterministic; FUZZ_SEED=random explores (the seed is printed).
export const SEED =
  process.env.FUZZ_SEED === 'random'
    ? (Math.random() * 2 ** 32) >>> 0
    : process.env.FUZZ_SEED
      ? Number(process.env.FUZZ_SEED) >>> 0 // decimal or 0x-hex
      : 0x7a4d3e21
/** The seed as printed and replayed, e.g. `0x7a4d3e21`. */
export const seedText = `0x${SEED.toString(16).padStart(8, '0')}`
/** Fuzz frames to send in the random-frames test (FUZZ_FRAMES). */
export const FRAMES = envInt('FUZZ_FRAMES', 115_000)
/** Bound on the fuzz phase, in milliseconds (FUZZ_DEADLINE_MS; 1 ms per frame, at least 60 s). */
export const DEADLINE_MS = envInt('FUZZ_DEADLINE_MS', Math.max(60_000, FRAMES))
/** The decoded-frame counter must reach this (issue 4: 100,000 in the default run). */
export const MIN_DECODED = Math.min(100_000, Math.floor(FRAMES * 0.75))
/** How much the server's resident memory may grow over the fuzz phase, in MiB. */
export const RSS_BOUND_MIB = 150
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024
/** The server's environment: limits high enough that only bad input (or load) closes a fuzzer. */
export const SERVER_ENV = {
  LOG_LEVEL: 'info',
  // Rooms unload (compacting into a snapshot) soon after their last connection leaves.
  ROOM_IDLE_MS: '200',
  MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
  MAX_DOCUMENT_BYTES: String(MAX_MESSAGE_BYTES),
  RATE_MESSAGES_PER_SEC: '1000000',
  RATE_BURST_MESSAGES: '1000000',
  RATE_BYTES_PER_SEC: '1000000000',
  MAX_CONNECTIONS_PER_IP: '100000',
  API_RATE_LIMIT_PER_MINUTE: '100000',
}
/** Close codes a fuzz connection may get: bad input, or load shedding. */
export const LOAD_CODES: number[] = [
  CloseCode.rateLimited,
  CloseCode.overloaded,
  CloseCode.slowConsumer,
]
export const DOCUMENTED: number[] = [
  CloseCode.tooLarge,
  CloseCode.unsupportedData,
  CloseCode.malformedMessage,
  ...LOAD_CODES,
]
/** How long to wait for an answer (a pong, a close, a first message), in milliseconds. */
export const REPLY_TIMEOUT_MS = 10_000
