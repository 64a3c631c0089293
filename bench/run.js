// npm run bench: every benchmark, each measuring the hub against a floor in the same run.
import { runIngestBench } from './ingest.js'
import { runDashboardBench } from './dashboard.js'

const only = process.argv.slice(2)
const suites = [
  ['ingest', runIngestBench],
  ['dashboard', runDashboardBench],
]
console.log(`MCP Server benchmarks — ${new Date().toISOString()} — node ${process.version}`)
for (const [name, run] of suites) {
  if (only.length && !only.includes(name)) continue
  await run()
}
