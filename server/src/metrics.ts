import client from 'prom-client'
import type { EngineCounters, EngineHooks } from './rooms/hooks.js'
import type { StoreHooks } from './storage/DocumentStore.js'
import type { TransportCounters, TransportHooks } from './transport/WsConnection.js'

type HotCounters = EngineCounters & TransportCounters

/**
 * The server's Prometheus metrics, on a registry of their own (one per app instance). The engine,
 * the transport and the store report through their hooks interfaces; only this file knows
 * Prometheus.
 */
export class Metrics implements EngineHooks, TransportHooks {
  readonly registry = new client.Registry()
  /** Bumped directly on hot paths; exported as counters when scraped. */
  readonly #hot: HotCounters = {
    updatesIn: 0,
    updatesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    framesDecoded: 0,
  }
  readonly counters: EngineCounters = this.#hot
  readonly transportCounters: TransportCounters = this.#hot
  readonly connections = new client.Gauge({
    name: 'tandem_connections',
    help: 'Open WebSocket connections',
    registers: [this.registry],
  })
  readonly roomsLoadedGauge = new client.Gauge({
    name: 'tandem_rooms_loaded',
    help: 'Documents loaded in memory',
    registers: [this.registry],
  })
  readonly documentLoads = new client.Counter({
    name: 'tandem_document_loads_total',
    help: 'Documents loaded from storage',
    registers: [this.registry],
  })
  readonly updatesIn = this.#lazyCounter(
    'updatesIn',
    'tandem_updates_in_total',
    'Document updates received from clients and committed',
  )
  readonly updatesOut = this.#lazyCounter(
    'updatesOut',
    'tandem_updates_out_total',
    'Document updates sent to clients (one per recipient)',
  )
  readonly bytesIn = this.#lazyCounter(
    'bytesIn',
    'tandem_bytes_in_total',
    'WebSocket message bytes received',
  )
  readonly bytesOut = this.#lazyCounter(
    'bytesOut',
    'tandem_bytes_out_total',
    'WebSocket message bytes sent',
  )
  readonly framesDecoded = this.#lazyCounter(
    'framesDecoded',
    'tandem_frames_decoded_total',
    'WebSocket frames decoded by the protocol handler',
  )
  readonly commitSeconds = new client.Histogram({
    name: 'tandem_commit_duration_seconds',
    help: 'Time from handing a batch of updates to storage until it is committed (batches that queue up at the writer share a transaction)',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  })
  readonly commitBatchSize = new client.Histogram({
    name: 'tandem_commit_batch_updates',
    help: 'Updates per batch handed to storage (one batch per turn of the event loop)',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  })
  readonly commitFailures = new client.Counter({
    name: 'tandem_commit_failures_total',
    help: 'Group commits that failed (their updates were not acknowledged)',
    registers: [this.registry],
  })
  readonly quarantined = new client.Counter({
    name: 'tandem_quarantined_records_total',
    help: 'Stored records moved to quarantine (bad checksum or failed to apply)',
    registers: [this.registry],
  })
  readonly compactions = new client.Counter({
    name: 'tandem_compactions_total',
    help: 'Log compactions into a snapshot',
    registers: [this.registry],
  })
  readonly badMessages = new client.Counter({
    name: 'tandem_bad_client_messages_total',
    help: 'Connections closed for bad input, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  })
  readonly refusedWrites = new client.Counter({
    name: 'tandem_refused_writes_total',
    help: 'Writes refused and dropped (view-only link, document size cap, awareness not owned)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  })
  readonly socketErrors = new client.Counter({
    name: 'tandem_socket_errors_total',
    help: 'Errors raised on client sockets',
    registers: [this.registry],
  })

  #lazyCounter(key: keyof HotCounters, name: string, help: string): client.Counter {
    const hot = this.#hot
    let reported = 0
    return new client.Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.inc(hot[key] - reported)
        reported = hot[key]
      },
    })
  }

  constructor() {
    // Under their standard names (process_cpu_seconds_total, nodejs_eventloop_lag_seconds, …),
    // which the usual Node.js dashboards and alerts expect.
    client.collectDefaultMetrics({ register: this.registry })
  }

  sessions(delta: 1 | -1): void {
    this.connections.inc(delta)
  }

  roomsLoaded(count: number): void {
    this.roomsLoadedGauge.set(count)
  }

  documentLoaded(): void {
    this.documentLoads.inc()
  }

  badMessage(reason: string): void {
    this.badMessages.inc({ reason })
  }

  refusedWrite(reason: string): void {
    this.refusedWrites.inc({ reason })
  }

  commitFailed(): void {
    this.commitFailures.inc()
  }

  compacted(): void {
    this.compactions.inc()
  }

  socketError(_error: Error): void {
    this.socketErrors.inc()
  }

  /** What the store reports: commit timings and quarantined records. */
  readonly storeHooks: StoreHooks = {
    onCommit: (seconds, records, ok) => {
      this.commitSeconds.observe(seconds)
      if (ok) this.commitBatchSize.observe(records)
    },
    onQuarantine: (count) => this.quarantined.inc(count),
  }
}
