// npm run bench: every benchmark. `npm run bench -- ingest scrape` runs only those suites.
// BENCH_ROUNDS (default 5), BENCH_DURATION (seconds, default 5) and BENCH_WARMUP (seconds, default 2) set the ingest rounds.
import { runIngestBench } from './ingest.js'
import { runPgBench } from './pg.js'
import { runOtlpBench } from './otlp.js'
import { runScrapeBench } from './scrape.js'
import { runProbeBench } from './probe.js'
import { runAuditBench } from './audit.js'
import { runDashboardBench } from './dashboard.js'
import { runPartsBench } from './parts.js'
import { runMcpBench } from './mcp.js'
import { runScaleBench } from './scale.js'

const only = process.argv.slice(2)
const suites = [
  ['ingest', runIngestBench],
  // the hub on PostgreSQL beside SQLite and the floor (needs the database: BENCH_DATABASE_URL)
  ['pg', runPgBench],
  // POST /v1/logs (OTLP JSON, protobuf, gzip) beside POST /events batches
  ['otlp', runOtlpBench],
  // only when named: where single-event ingest time goes, stage by stage (about 2 minutes)
  ['parts', runPartsBench, { onlyWhenNamed: true }],
  // only when named: the issue-15 table at scale, every module in bench/scale/ (SCALE_QUICK=1: ~10× smaller data sets)
  ['scale', () => runScaleBench(), { onlyWhenNamed: true }],
  ['scrape', runScrapeBench],
  ['probe', async () => { console.log('\n## probe'); return runProbeBench() }],
  ['dashboard', runDashboardBench],
  ['mcp', runMcpBench],
  // export and import of a 20,000-event hub, in process (a few seconds); it prints one JSON line
  ['backup', async () => { console.log('\n## backup'); await import('./backup.js') }],
  // last: it pins this process to core 1 for its load generator
  ['audit', async () => {
    const r = await runAuditBench()
    console.log(`\n## audit (durability ${r.durability})`)
    console.log(`  append, 1 entry/request, 50 connections   ${r.appendSingle.entriesPerSec} entries/s   p50 ${r.appendSingle.p50ms} ms   p99 ${r.appendSingle.p99ms} ms`)
    console.log(`  append, ${r.appendBatched.batch} entries/request, 10 connections   ${r.appendBatched.entriesPerSec} entries/s   p99 ${r.appendBatched.p99ms} ms`)
    console.log(`  verify   ${r.verify.entriesPerSec} entries/s (${r.verify.entries} entries in ${r.verify.seconds} s)`)
    return r
  }],
]
console.log(`MCP Server benchmarks — ${new Date().toISOString()} — node ${process.version}`)
for (const [name, run, opts] of suites) {
  if (only.length ? !only.includes(name) : opts?.onlyWhenNamed) continue
  await run()
}
