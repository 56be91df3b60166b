/** Command-line options: defaults are issue 5's parameters; `--smoke` shrinks everything. */
import { parseArgs } from 'node:util'
import { MAX_SEARCH_LINKS } from '@tandem/shared'
import { BenchServer } from './servers.js'

export const Scenario = {
  fanout: 'fanout',
  saturation: 'saturation',
  rooms: 'rooms',
  bigdoc: 'bigdoc',
  idle: 'idle',
  search: 'search',
} as const
export type Scenario = (typeof Scenario)[keyof typeof Scenario]

/**
 * Servers run when --servers is not given. Tandem on PostgreSQL is one more single process
 * (plus a database made and dropped per run); the cluster is opt-in: three more processes on a
 * two-core machine, and its 200-editor run cannot be valid there (see BENCHMARKS.md). So is
 * tandem-noindex, which only serves to compare with tandem what search indexing costs.
 */
export const defaultServers: BenchServer[] = [
  BenchServer.tandem,
  BenchServer.yws,
  BenchServer.hocuspocus,
  BenchServer.hocuspocusSqlite,
  BenchServer.tandemPg,
]

export interface Options {
  servers: BenchServer[]
  scenarios: Scenario[]
  repeat: number
  workers: number
  seed: number
  smoke: boolean
  profile: boolean
  outDir: string | undefined
  /** Path to a Tandem main.js other than server/dist/main.js (before/after comparisons). */
  tandemMain: string | undefined
  /** Maintenance database URL for tandem-pg and tandem-cluster (default: see postgres.ts). */
  pgUrl: string | undefined
  /** redis-server binary for tandem-cluster. */
  redisServer: string | undefined
  /** Tandem instances in tandem-cluster. */
  clusterInstances: number
  /** Total connection attempts in flight at once while connecting (split across workers). */
  concurrency: number
  /** Before each run, wait until the machine is at most this busy (percent of all cores)… */
  quietPct: number
  /** …but no longer than this, in seconds. */
  quietWaitSeconds: number
  fanoutEditors: number[]
  fanoutRate: number
  fanoutSeconds: number
  /** Fan-out: seconds of the same load before the measured window (0: none, as in past rounds). */
  warmupSeconds: number
  observers: number
  /** Tandem clients opt into saved-acks during fan-out (what the web app does). */
  ack: boolean
  satEditors: number
  satStart: number
  satFactor: number
  satStepSeconds: number
  satMaxSteps: number
  rooms: number
  roomClients: number
  idleRooms: number
  idleClients: number
  bigdocOps: number
  bigdocBatch: number
  joins: number
  coldJoins: number
  /** Search: documents imported before the queries. */
  searchDocs: number
  /** Search: words per document (about; titles not counted). */
  searchWords: number
  /** Search: measured queries, sent one at a time. */
  searchQueries: number
  /** Search: links sent with each query (at most the API's 500). */
  searchLinks: number
}

const usage = `pnpm bench [-- options]
  --servers a,b        tandem,y-websocket-server,hocuspocus,hocuspocus-sqlite,tandem-pg,tandem-cluster,
                       tandem-noindex (default: all but tandem-cluster and tandem-noindex).
                       tandem-pg: one Tandem on a throwaway PostgreSQL database; tandem-cluster: N
                       instances on one, with a private redis-server; their CPU includes
                       PostgreSQL's and Redis's share. tandem-noindex: Tandem (SQLite) with search
                       indexing off (SEARCH_INDEX_DELAY_MS=0); with tandem, fan-out tables and the
                       targets show Tandem / Tandem without indexing
  --pg-url URL         maintenance database for tandem-pg/-cluster (default TANDEM_BENCH_PG_URL,
                       TANDEM_TEST_DATABASE_URL, PGHOST/PGPORT/PGUSER or postgres@127.0.0.1:5432)
  --redis-server PATH  redis-server binary (default $REDIS_SERVER or redis-server)
  --cluster-instances N  Tandem instances in tandem-cluster (default 2)
  --scenarios a,b      fanout,saturation,rooms,bigdoc,idle,search (default: all; saved-acks come with
                       fanout; search runs on tandem and tandem-pg only)
  --repeat N           run each scenario N times per server and quote medians (default 1)
  --smoke              a tiny run of every scenario (a few seconds each)
  --workers N          generator worker threads (default 2)
  --profile            fan-out, saturation and search servers run under node --cpu-prof
                       (bench/results/profiles)
  --out DIR            where results go (default bench/results)
  --tandem-main PATH   run this Tandem main.js instead of server/dist/main.js (before/after)
  --fanout-editors 50,200 --fanout-rate 2 --fanout-seconds 15 --observers 2 --no-ack
  --warmup-seconds N   fan-out: N s of the same load before the measured window (default 0)
  --sat-editors 50 --sat-start 100 --sat-factor 1.5 --sat-step-seconds 4 --sat-max-steps 12
  --rooms 500 --room-clients 2 --idle-rooms 200 --idle-clients 10
  --bigdoc-ops 100000 --bigdoc-batch 100 --joins 10 --cold-joins 10
  --search-docs 10000 --search-words 1000   documents imported through POST /api/docs (8 in
                       flight), of about this many seeded pseudo-words each (smoke: 200 × 200)
  --search-queries 500 --search-links 100   queries sent one at a time after 20 unmeasured
                       ones, each with this many random links of them (at most 500; smoke: 50)
  --concurrency 50 --seed 1
  --quiet-pct 25 --quiet-wait 30   before each run wait (bounded) for the machine to be this idle`

function list<T extends string>(value: string, allowed: readonly T[], what: string): T[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const item of items) {
    if (!allowed.includes(item as T)) throw new Error(`unknown ${what} "${item}"\n${usage}`)
  }
  return items as T[]
}

function num(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number`)
  return n
}

/** Parses argv (without node and script). Throws with usage on bad input. */
export function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    strict: true,
    options: {
      help: { type: 'boolean' },
      servers: { type: 'string' },
      scenarios: { type: 'string' },
      repeat: { type: 'string' },
      workers: { type: 'string' },
      seed: { type: 'string' },
      smoke: { type: 'boolean' },
      profile: { type: 'boolean' },
      out: { type: 'string' },
      'tandem-main': { type: 'string' },
      'pg-url': { type: 'string' },
      'redis-server': { type: 'string' },
      'cluster-instances': { type: 'string' },
      concurrency: { type: 'string' },
      'quiet-pct': { type: 'string' },
      'quiet-wait': { type: 'string' },
      'fanout-editors': { type: 'string' },
      'fanout-rate': { type: 'string' },
      'fanout-seconds': { type: 'string' },
      'warmup-seconds': { type: 'string' },
      observers: { type: 'string' },
      'no-ack': { type: 'boolean' },
      'sat-editors': { type: 'string' },
      'sat-start': { type: 'string' },
      'sat-factor': { type: 'string' },
      'sat-step-seconds': { type: 'string' },
      'sat-max-steps': { type: 'string' },
      rooms: { type: 'string' },
      'room-clients': { type: 'string' },
      'idle-rooms': { type: 'string' },
      'idle-clients': { type: 'string' },
      'bigdoc-ops': { type: 'string' },
      'bigdoc-batch': { type: 'string' },
      joins: { type: 'string' },
      'cold-joins': { type: 'string' },
      'search-docs': { type: 'string' },
      'search-words': { type: 'string' },
      'search-queries': { type: 'string' },
      'search-links': { type: 'string' },
    },
  })
  if (values.help) return 'help'
  const smoke = values.smoke === true
  const d = smoke
    ? {
        fanoutEditors: [5, 10],
        fanoutRate: 2,
        fanoutSeconds: 2,
        satEditors: 10,
        satStart: 50,
        satMaxSteps: 2,
        satStepSeconds: 1,
        rooms: 20,
        idleRooms: 10,
        idleClients: 5,
        bigdocOps: 2000,
        joins: 3,
        coldJoins: 2,
        searchDocs: 200,
        searchWords: 200,
        searchQueries: 50,
      }
    : {
        fanoutEditors: [50, 200],
        fanoutRate: 2,
        fanoutSeconds: 15,
        satEditors: 50,
        satStart: 100,
        satMaxSteps: 12,
        satStepSeconds: 4,
        rooms: 500,
        idleRooms: 200,
        idleClients: 10,
        bigdocOps: 100_000,
        joins: 10,
        coldJoins: 10,
        searchDocs: 10_000,
        searchWords: 1_000,
        searchQueries: 500,
      }
  const allServers = Object.values(BenchServer)
  const allScenarios = Object.values(Scenario)
  const searchLinks = Math.round(num(values['search-links'], 100, 'search-links'))
  if (searchLinks > MAX_SEARCH_LINKS) {
    throw new Error(`--search-links is at most ${MAX_SEARCH_LINKS} (the API's limit)`)
  }
  return {
    servers: values.servers ? list(values.servers, allServers, 'server') : defaultServers,
    scenarios: values.scenarios ? list(values.scenarios, allScenarios, 'scenario') : allScenarios,
    repeat: Math.round(num(values.repeat, 1, 'repeat')),
    workers: Math.round(num(values.workers, 2, 'workers')),
    seed: Math.round(num(values.seed, 1, 'seed')),
    smoke,
    profile: values.profile === true,
    outDir: values.out,
    tandemMain: values['tandem-main'],
    pgUrl: values['pg-url'],
    redisServer: values['redis-server'],
    clusterInstances: Math.max(
      2,
      Math.round(num(values['cluster-instances'], 2, 'cluster-instances')),
    ),
    concurrency: Math.round(num(values.concurrency, 50, 'concurrency')),
    quietPct: num(values['quiet-pct'], 25, 'quiet-pct'),
    quietWaitSeconds: num(values['quiet-wait'], smoke ? 2 : 30, 'quiet-wait'),
    fanoutEditors: values['fanout-editors']
      ? values['fanout-editors'].split(',').map((s) => Math.round(num(s, 1, 'fanout-editors')))
      : d.fanoutEditors,
    fanoutRate: num(values['fanout-rate'], d.fanoutRate, 'fanout-rate'),
    fanoutSeconds: num(values['fanout-seconds'], d.fanoutSeconds, 'fanout-seconds'),
    warmupSeconds:
      values['warmup-seconds'] === '0' ? 0 : num(values['warmup-seconds'], 0, 'warmup-seconds'),
    observers: Math.round(num(values.observers, 2, 'observers')),
    ack: values['no-ack'] !== true,
    satEditors: Math.round(num(values['sat-editors'], d.satEditors, 'sat-editors')),
    satStart: num(values['sat-start'], d.satStart, 'sat-start'),
    satFactor: num(values['sat-factor'], 1.5, 'sat-factor'),
    satStepSeconds: num(values['sat-step-seconds'], d.satStepSeconds, 'sat-step-seconds'),
    satMaxSteps: Math.round(num(values['sat-max-steps'], d.satMaxSteps, 'sat-max-steps')),
    rooms: Math.round(num(values.rooms, d.rooms, 'rooms')),
    roomClients: Math.round(num(values['room-clients'], 2, 'room-clients')),
    idleRooms: Math.round(num(values['idle-rooms'], d.idleRooms, 'idle-rooms')),
    idleClients: Math.round(num(values['idle-clients'], d.idleClients, 'idle-clients')),
    bigdocOps: Math.round(num(values['bigdoc-ops'], d.bigdocOps, 'bigdoc-ops')),
    bigdocBatch: Math.round(num(values['bigdoc-batch'], 100, 'bigdoc-batch')),
    joins: Math.round(num(values.joins, d.joins, 'joins')),
    coldJoins: Math.round(num(values['cold-joins'], d.coldJoins, 'cold-joins')),
    searchDocs: Math.round(num(values['search-docs'], d.searchDocs, 'search-docs')),
    searchWords: Math.round(num(values['search-words'], d.searchWords, 'search-words')),
    searchQueries: Math.round(num(values['search-queries'], d.searchQueries, 'search-queries')),
    searchLinks,
  }
}

export { usage }
