/**
 * The machine around the bench: how busy it is (from /proc/stat) and how much CPU the generator
 * itself uses, so every run can say how much of the machine other work took.
 */
import { cpus } from 'node:os'
import { CLOCK_TICKS_PER_SECOND, machineCpu, processCpuTicks } from '@tandem/testkit'
import { delay, nowMs } from './clock.js'

/** CPU seconds used by this process (all generator threads) so far. */
export function generatorCpuSeconds(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

/** A window over which to attribute the machine's CPU: server, generator, everything else. */
export class CpuWindow {
  private readonly machine0 = machineCpu()
  private readonly procs0 = processCpuTicks()
  private readonly gen0 = generatorCpuSeconds()
  private readonly t0 = nowMs()

  /**
   * Closes the window. `othersPct` is the share of all cores used by processes other than the
   * server under test (`serverPids`: its instances, and the PostgreSQL and Redis processes
   * counted for it) and the generator (other work on a shared machine; high values mean noisy
   * numbers); kernel threads (ksoftirqd carrying loopback traffic, mostly the bench's own) and
   * interrupt time are reported apart.
   */
  close(serverPids: Iterable<number>): {
    generatorCpuSeconds: number
    othersPct: number
    kernelThreadsPct: number
    irqPct: number
    topOthers: string
  } {
    const m = machineCpu()
    const procs = processCpuTicks()
    const gen = generatorCpuSeconds() - this.gen0
    const capacity = ((nowMs() - this.t0) / 1000) * cpus().length
    let kernelTicks = 0
    let otherTicks = 0
    const byComm = new Map<string, number>()
    const mine = new Set(serverPids)
    for (const [pid, p] of procs) {
      if (pid === process.pid || mine.has(pid)) continue
      const d = p.ticks - (this.procs0.get(pid)?.ticks ?? 0)
      if (d <= 0) continue
      if (p.kernel) kernelTicks += d
      else {
        otherTicks += d
        byComm.set(p.comm, (byComm.get(p.comm) ?? 0) + d)
      }
    }
    const pct = (ticks: number): number => (100 * ticks) / CLOCK_TICKS_PER_SECOND / capacity
    const topOthers = [...byComm.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([comm, t]) => `${comm} ${pct(t).toFixed(0)}%`)
      .join(', ')
    return {
      generatorCpuSeconds: gen,
      othersPct: pct(otherTicks),
      kernelThreadsPct: pct(kernelTicks),
      irqPct: (100 * (m.irqSeconds - this.machine0.irqSeconds)) / capacity,
      topOthers,
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
