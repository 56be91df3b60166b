/**
 * Readers of Linux's /proc: CPU time and memory of a process (by pid), of its threads, and of the
 * whole machine. Everything here throws when the file cannot be read (e.g. the process is gone).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'

/** Linux's USER_HZ: /proc reports CPU time in these ticks; 100 on every mainstream architecture. */
export const CLOCK_TICKS_PER_SECOND = 100

/** What one /proc/<pid>/stat (or /proc/<pid>/task/<tid>/stat) line says. */
export interface ProcStat {
  /** The command name (up to 15 characters). */
  comm: string
  /** Parent pid; 2 (kthreadd) for kernel threads. */
  ppid: number
  /** User plus system CPU time so far, in clock ticks. */
  cpuTicks: number
}

/** Parses a stat file; `path` is e.g. `/proc/123/stat`. */
export function readStat(path: string): ProcStat {
  const stat = readFileSync(path, 'utf8')
  // The command name is parenthesised and may itself contain spaces and parentheses.
  const close = stat.lastIndexOf(')')
  const fields = stat.slice(close + 2).split(' ')
  // Fields after the name, from 0: state, ppid, …; utime and stime are 11 and 12.
  return {
    comm: stat.slice(stat.indexOf('(') + 1, close),
    ppid: Number(fields[1]),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
  }
}

/** CPU time of a process so far (user + system, all threads), in seconds. */
export function cpuSeconds(pid: number): number {
  return readStat(`/proc/${pid}/stat`).cpuTicks / CLOCK_TICKS_PER_SECOND
}

/**
 * CPU seconds of a process's main (event-loop) thread and of all its other threads together
 * (V8 GC helpers, libuv pool, worker threads); threads that end while being read are skipped.
 */
export function threadCpuSeconds(pid: number): { main: number; other: number } {
  let main = 0
  let other = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let seconds: number
    try {
      seconds = readStat(`/proc/${pid}/task/${tid}/stat`).cpuTicks / CLOCK_TICKS_PER_SECOND
    } catch {
      continue // the thread ended
    }
    if (Number(tid) === pid) main += seconds
    else other += seconds
  }
  return { main, other }
}

/** Resident set size of a process now and at its peak (VmRSS, VmHWM), in bytes. */
export function memory(pid: number): { rssBytes: number; peakRssBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const bytes = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
    return match ? Number(match[1]) * 1024 : 0
  }
  return { rssBytes: bytes('VmRSS'), peakRssBytes: bytes('VmHWM') }
}

/**
 * Resets the kernel's peak-RSS mark (VmHWM) of a process, so the next `memory().peakRssBytes`
 * covers only what follows; false where the kernel refuses (callers then poll VmRSS).
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

/**
 * CPU time of the whole machine so far, in seconds (from /proc/stat): busy (all but idle and
 * iowait), process time (user + nice + system), interrupt time (irq + softirq) and total.
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
    busySeconds: (total - at(3) - at(4)) / CLOCK_TICKS_PER_SECOND,
    processSeconds: (at(0) + at(1) + at(2)) / CLOCK_TICKS_PER_SECOND,
    irqSeconds: (at(5) + at(6)) / CLOCK_TICKS_PER_SECOND,
    totalSeconds: total / CLOCK_TICKS_PER_SECOND,
  }
}

/** CPU ticks of every process now: pid → its command, ticks, and whether it is a kernel thread. */
export function processCpuTicks(): Map<number, { comm: string; ticks: number; kernel: boolean }> {
  const out = new Map<number, { comm: string; ticks: number; kernel: boolean }>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readStat(`/proc/${name}/stat`)
      // Kernel threads are children of kthreadd (pid 2).
      out.set(Number(name), { comm: stat.comm, ticks: stat.cpuTicks, kernel: stat.ppid === 2 })
    } catch {
      // the process ended between listing and reading
    }
  }
  return out
}
