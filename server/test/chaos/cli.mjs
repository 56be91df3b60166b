#!/usr/bin/env node
/**
 * `pnpm chaos`: runs the chaos seeds of server/test/chaos.test.ts under Vitest (which builds the
 * server first, through the server tests' global setup), with options turned into the CHAOS_*
 * variables that test reads (test/chaos/settings.ts). Variables already set are passed through,
 * so the replay line a failure prints (`CHAOS_SEED=0x… pnpm chaos`) works as it is.
 *
 *   pnpm chaos                      10 random seeds
 *   pnpm chaos --seeds 200          200 random seeds (the base they come from is printed)
 *   pnpm chaos --seeds 200 --base 0x1234abcd   the same 200 seeds again
 *   pnpm chaos --seed 0x1a2b3c4d    replay one seed
 *   --steps N, --ops A-B            schedule steps per seed, server stops/kills per seed
 */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const OPTIONS = {
  '--seeds': 'CHAOS_SEEDS',
  '--seed': 'CHAOS_SEED',
  '--base': 'CHAOS_BASE',
  '--steps': 'CHAOS_STEPS',
  '--ops': 'CHAOS_OPS',
}

const usage = `usage: pnpm chaos [--seeds N] [--seed 0xHEX] [--base 0xHEX] [--steps N] [--ops A-B]\n`
const env = { ...process.env }
const args = process.argv.slice(2)
for (let i = 0; i < args.length; i++) {
  const [flag, inline] = args[i].split('=', 2)
  if (flag === '--help' || flag === '-h') {
    process.stdout.write(usage)
    process.exit(0)
  }
  const name = OPTIONS[flag]
  const value = inline ?? args[++i]
  if (!name || value === undefined) {
    process.stderr.write(
      `unknown or incomplete option ${JSON.stringify(args[i] ?? flag)}\n${usage}`,
    )
    process.exit(2)
  }
  env[name] = value
}
// Without any choice of seeds, `pnpm chaos` explores: 10 random ones, not the fixed CI list.
if (!env.CHAOS_SEED && !env.CHAOS_SEEDS) env.CHAOS_SEEDS = '10'

const vitest = path.join(
  path.dirname(createRequire(path.join(serverDir, 'package.json')).resolve('vitest/package.json')),
  'vitest.mjs',
)
const started = Date.now()
const child = spawn(process.execPath, [vitest, 'run', 'test/chaos.test.ts'], {
  cwd: serverDir,
  env,
  stdio: 'inherit',
})
child.on('exit', (code, signal) => {
  process.stdout.write(`pnpm chaos: ${((Date.now() - started) / 1000).toFixed(0)} s wall in all\n`)
  process.exit(code ?? (signal ? 1 : 0))
})
