/**
 * The machine around the bench: how busy it is (from /proc/stat) and how much CPU the generator
 * itself uses, so every run can say how much of the machine other work took.
 */
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { delay, nowMs } from './clock.js'

const clockTicks = 100

/**
 * CPU time of the whole machine so far, in seconds: busy (all but idle and iowait), process time
 * (user + nice + system: what processes are charged with), interrupt time (irq + softirq, where
 * loopback networking of the bench's own traffic mostly lands) and total.
 */
export function machineCpu(): {
  busySeconds: number
  processSeconds: number
  irqSeconds: number
  totalSeconds: number
} {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? ''
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number)
  const at = (i: number): number => f[i] ?? 0
  const total = f.reduce((a, b) => a + b, 0)
  return {
    busySeconds: (total - at(3) - at(4)) / clockTicks,
    processSeconds: (at(0) + at(1) + at(2)) / clockTicks,
    irqSeconds: (at(5) + at(6)) / clockTicks,
    totalSeconds: total / clockTicks,
  }
}

/** CPU seconds used by this process (all generator threads) so far. */
export function generatorCpuSeconds(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

/** A window over which to attribute the machine's CPU: server, generator, everything else. */
export class CpuWindow {
  private readonly machine0 = machineCpu()
  private readonly gen0 = generatorCpuSeconds()
  private readonly t0 = nowMs()

  /**
   * Closes the window. `othersPct` is the share of all cores that neither the server nor the
   * generator used (other processes on a shared machine); high values mean noisy numbers.
   */
  close(serverCpuSeconds: number): {
    generatorCpuSeconds: number
    othersPct: number
    irqPct: number
  } {
    const m = machineCpu()
    const gen = generatorCpuSeconds() - this.gen0
    const capacity = ((nowMs() - this.t0) / 1000) * cpus().length
    const others = m.processSeconds - this.machine0.processSeconds - gen - serverCpuSeconds
    return {
      generatorCpuSeconds: gen,
      othersPct: Math.max(0, (100 * others) / capacity),
      irqPct: (100 * (m.irqSeconds - this.machine0.irqSeconds)) / capacity,
    }
  }
}

/**
 * Waits (at most `maxWaitMs`) until the machine has been at most `maxBusyPct` busy for one
 * second; returns the last busy percentage seen. The bench itself is idle while this runs.
 */
export async function waitForQuiet(maxBusyPct: number, maxWaitMs: number): Promise<number> {
  const deadline = nowMs() + maxWaitMs
  let busyPct = 100
  while (nowMs() < deadline) {
    const a = machineCpu()
    await delay(1000)
    const b = machineCpu()
    busyPct =
      (100 * (b.busySeconds - a.busySeconds)) / Math.max(1e-9, b.totalSeconds - a.totalSeconds)
    if (busyPct <= maxBusyPct) break
  }
  return busyPct
}
