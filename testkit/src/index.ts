/**
 * The one test kit: launches the built Tandem server (and other server scripts) as child
 * processes, stops them by pid, and reads their CPU and memory from /proc. Used by the server's
 * integration tests, the e2e suite and the bench.
 */
export { assertBuilt, repoRoot, serverMain } from './paths.js'
export { answersOk, freePort } from './net.js'
export {
  ServerProcess,
  ServerStartError,
  type ExitStatus,
  type LineListener,
  type ServerProcessOptions,
} from './ServerProcess.js'
export { startTandem, tandemListeningPort, type TandemOptions } from './tandem.js'
export { TandemServer, type TandemServerOptions } from './TandemServer.js'
export {
  CLOCK_TICKS_PER_SECOND,
  cpuSeconds,
  machineCpu,
  memory,
  processCpuTicks,
  readStat,
  resetPeakRss,
  threadCpuSeconds,
  type ProcStat,
} from './procfs.js'
