// `pnpm dev`: TypeScript in watch mode, the server restarted on change, and Vite with hot reload
// proxying /api and /sync to the server. Stops everything on Ctrl-C.
import { execFileSync, spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc')
const port = process.env.PORT ?? '3000'

execFileSync(process.execPath, [tsc, '-b', 'shared', 'server'], { cwd: root, stdio: 'inherit' })

const children = [
  spawn(process.execPath, [tsc, '-b', '--watch', '--preserveWatchOutput', 'shared', 'server'], {
    cwd: root,
    stdio: 'inherit',
  }),
  spawn(process.execPath, ['--watch', 'server/dist/main.js'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PORT: port, NODE_ENV: 'development' },
  }),
  spawn('pnpm', ['--filter', '@tandem/web', 'dev'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TANDEM_SERVER: `http://127.0.0.1:${port}` },
  }),
]

const stop = () => {
  for (const child of children) child.kill('SIGTERM')
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
for (const child of children) child.on('exit', stop)
