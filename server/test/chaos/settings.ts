/**
 * Which seeds a chaos run covers and how big each one is, from the environment:
 *
 *   CHAOS_SEED=0x1a2b3c4d   replay one seed (decimal or 0x-hex)
 *   CHAOS_SEEDS=200         run this many seeds: random ones (printed), or from CHAOS_BASE
 *   CHAOS_BASE=0x…          derive the CHAOS_SEEDS seeds from this base (a repeatable list)
 *   CHAOS_STEPS=400         schedule steps per seed (default 120)
 *   CHAOS_OPS=2-3           server stops/kills per seed, besides the final kill (default 1-2)
 *
 * With none of them (as in `pnpm test`): 10 fixed seeds, so CI is repeatable. Seeds are sized
 * alike everywhere, so a seed from any run replays with the command {@link replayCommand} prints.
 */
import { Rng } from './Rng.js'

/** Seeds `pnpm test` runs: derived from this base. */
export const DEFAULT_BASE = 0xc4a05eed
export const DEFAULT_SEED_COUNT = 10
/** Schedule steps per seed (`pnpm test` and `pnpm chaos` alike). */
export const DEFAULT_STEPS = 120
/** Server stops and kills during each seed's schedule (the final kill apart). */
export const DEFAULT_OPS = { min: 1, max: 2 }

/** Parses a decimal or 0x-hex 32-bit seed; throws on anything else. */
export function parseSeed(text: string): number {
  const value = Number(text.trim())
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new Error(`not a 32-bit seed: ${JSON.stringify(text)} (use decimal or 0x-hex)`)
  }
  return value >>> 0
}

/** A seed as printed and replayed, e.g. `0x1a2b3c4d`. */
export function seedText(seed: number): string {
  return `0x${seed.toString(16).padStart(8, '0')}`
}

export interface ChaosSettings {
  seeds: number[]
  steps: number
  serverOps: { min: number; max: number }
  /** How the seed list was chosen, for the log. */
  origin: string
}

/** Reads the settings from `env` (process.env by default). */
export function chaosSettings(env: NodeJS.ProcessEnv = process.env): ChaosSettings {
  const steps = env.CHAOS_STEPS ? Number(env.CHAOS_STEPS) : DEFAULT_STEPS
  if (!Number.isInteger(steps) || steps < 1 || steps > 100_000) {
    throw new Error(`CHAOS_STEPS must be an integer from 1 to 100000, not ${env.CHAOS_STEPS}`)
  }
  const serverOps = env.CHAOS_OPS ? parseRange(env.CHAOS_OPS) : DEFAULT_OPS
  if (env.CHAOS_SEED) {
    const seed = parseSeed(env.CHAOS_SEED)
    return { seeds: [seed], steps, serverOps, origin: `replaying ${seedText(seed)}` }
  }
  const count = env.CHAOS_SEEDS ? Number(env.CHAOS_SEEDS) : DEFAULT_SEED_COUNT
  if (!Number.isInteger(count) || count < 1 || count > 100_000) {
    throw new Error(`CHAOS_SEEDS must be an integer from 1 to 100000, not ${env.CHAOS_SEEDS}`)
  }
  const explicitBase = env.CHAOS_BASE ? parseSeed(env.CHAOS_BASE) : undefined
  const base = explicitBase ?? (env.CHAOS_SEEDS ? (Math.random() * 2 ** 32) >>> 0 : DEFAULT_BASE)
  const rng = new Rng(base)
  const seeds = Array.from({ length: count }, () => rng.int(2 ** 32) >>> 0)
  return { seeds, steps, serverOps, origin: `${count} seeds from base ${seedText(base)}` }
}

/** Parses `2` or `2-3` (from 0 to 20). */
function parseRange(text: string): { min: number; max: number } {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text.trim())
  const min = Number(match?.[1])
  const max = match?.[2] === undefined ? min : Number(match[2])
  if (!match || min > max || max > 20)
    throw new Error(`CHAOS_OPS must be like 2 or 1-3, not ${text}`)
  return { min, max }
}

/** The command that replays `seed` (with these settings) from the repository root. */
export function replayCommand(seed: number, settings: ChaosSettings): string {
  const { steps, serverOps } = settings
  const ops =
    serverOps.min === serverOps.max ? `${serverOps.min}` : `${serverOps.min}-${serverOps.max}`
  const extra =
    (steps === DEFAULT_STEPS ? '' : ` CHAOS_STEPS=${steps}`) +
    (serverOps.min === DEFAULT_OPS.min && serverOps.max === DEFAULT_OPS.max
      ? ''
      : ` CHAOS_OPS=${ops}`)
  return `CHAOS_SEED=${seedText(seed)}${extra} pnpm chaos`
}
