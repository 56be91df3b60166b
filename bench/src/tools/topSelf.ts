/**
 * `node bench/dist/tools/topSelf.js <file.cpuprofile> [n]`: the functions with the most self time
 * in a V8 CPU profile (as written by `node --cpu-prof`), with their share of all samples.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const [file, nArg] = process.argv.slice(2)
if (!file) {
  console.error('usage: topSelf <file.cpuprofile> [n]')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const selfUs = new Map<string, number>()
let totalUs = 0
profile.samples.forEach((id, i) => {
  const node = byId.get(id)
  const dt = profile.timeDeltas[i] ?? 0
  totalUs += dt
  if (!node) return
  const f = node.callFrame
  const where = f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : ''
  const key = `${f.functionName || '(anonymous)'} ${where}`.trim()
  selfUs.set(key, (selfUs.get(key) ?? 0) + dt)
})
const top = [...selfUs.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(nArg ?? 25))
console.log(`${basename(file)}: ${(totalUs / 1e6).toFixed(2)} s sampled`)
for (const [key, us] of top) {
  console.log(
    `${((100 * us) / totalUs).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`,
  )
}
