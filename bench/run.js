// npm run bench: every benchmark, each measuring the hub against a floor in the same run.
import { runIngestBench } from './ingest.js'

const only = process.argv.slice(2)
const suites = [
  ['ingest', runIngestBench],
]
console.log(`MCP Server benchmarks — ${new Date().toISOString()} — node ${process.version}`)
for (const [name, run] of suites) {
  if (only.length && !only.includes(name)) continue
  await run()
}
