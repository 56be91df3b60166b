import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (this file runs from testkit/dist/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The built server's entry point, `server/dist/main.js` (absolute). */
export const serverMain = path.join(repoRoot, 'server', 'dist', 'main.js')

/**
 * Throws unless every file exists (absolute, or relative to the repository root), naming the
 * missing ones and the fix; `who` starts the sentence, e.g. "The e2e suite".
 */
export function assertBuilt(who: string, files: readonly string[] = [serverMain]): void {
  const missing = files
    .map((file) => path.resolve(repoRoot, file))
    .filter((file) => !fs.existsSync(file))
    .map((file) => path.relative(repoRoot, file))
  if (missing.length === 0) return
  throw new Error(
    `${who} needs the built app, but ${missing.join(' and ')} ` +
      `${missing.length > 1 ? 'are' : 'is'} missing. Run \`pnpm build\` at the repository root ` +
      'first (`pnpm test` does this for you).',
  )
}
