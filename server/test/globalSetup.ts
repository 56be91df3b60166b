import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** Builds shared/ and server/ (incremental) so tests that spawn dist/main.js run current code. */
export default function setup(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-b', 'shared', 'testkit', 'server'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  )
}
