// PostgreSQL ingest (npm run bench -- pg): the hub on PostgreSQL (MCP_DATABASE_URL, each run in a fresh
// schema, dropped after) beside the hub on SQLite and the bare Fastify floor, in the same rounds:
// single-event POSTs at 50 connections and 1000-event batches at 10, as bench/ingest.js measures them.
// The hub is pinned to core 0 and the load generator to core 1; PostgreSQL runs where the OS puts it
// (on this 2-core machine it shares both cores with them). BENCH_DATABASE_URL overrides the database.
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { runOne, scenarios, summary } from './ingest.js'
import { fmt } from './lib.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const DURATION = Number(process.env.BENCH_DURATION ?? 5)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2)
const URL = process.env.BENCH_DATABASE_URL ?? process.env.MCP_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

async function runPg (scenario) {
  const schema = `mcp_bench_${randomBytes(4).toString('hex')}`
  const admin = postgres(URL, { max: 1, onnotice: () => {} })
  try {
    return await runOne('hub', scenario, { MCP_DATABASE_URL: URL, MCP_DATABASE_SCHEMA: schema })
  } finally {
    await admin.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await admin.end({ timeout: 5 })
  }
}

export async function runPgBench () {
  const results = []
  for (const scenario of scenarios) {
    const runs = { floor: [], sqlite: [], postgres: [] }
    for (let round = 0; round < ROUNDS; round++) {
      // rotate the order so drift on the machine hits all three alike
      const order = [['floor', 'sqlite', 'postgres'], ['postgres', 'floor', 'sqlite'], ['sqlite', 'postgres', 'floor']][round % 3]
      for (const target of order) {
        runs[target].push(target === 'postgres' ? await runPg(scenario) : await runOne(target === 'floor' ? 'floor' : 'hub', scenario))
      }
    }
    const [floor, sqlite, pg] = [summary(runs.floor), summary(runs.sqlite), summary(runs.postgres)]
    const row = { scenario: scenario.name, floor, sqlite, postgres: pg, sqliteRatio: sqlite.rps / floor.rps, postgresRatio: pg.rps / floor.rps, postgresEventsPerSec: pg.rps * scenario.events }
    results.push(row)
    console.log(`\n## pg ingest: ${scenario.name} (median of ${ROUNDS} rounds × ${DURATION} s, after ${WARMUP} s of warm-up)`)
    for (const [name, r] of [['floor', floor], ['sqlite', sqlite], ['postgres', pg]]) {
      const ratio = name === 'floor' ? '' : `   ${fmt(r.rps / floor.rps, 2)} of the floor   non-2xx/errors ${r.errors}`
      console.log(`  ${name.padEnd(8)} ${fmt(r.rps).padStart(8)} req/s   ${fmt(r.rps * scenario.events).padStart(9)} events/s   p50 ${r.p50} ms   p99 ${r.p99} ms   server CPU ${fmt(r.cpuUsPerEvent, 1)} µs/event${ratio}`)
    }
  }
  console.log(JSON.stringify({ suite: 'pg', results }))
  return results
}

if (import.meta.url === `file://${process.argv[1]}`) await runPgBench()
