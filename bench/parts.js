// Where the single-event ingest time goes: the floor, then the hub's parts added one at a time
// (bench/parts-server.js), each driven with the same single-event POSTs at 50 connections; reports
// the server's CPU per request, the median of BENCH_ROUNDS rounds, the stages alternating in each.
import { join } from 'node:path'
import { ROOT, startServer, autocannon, median, fmt, cpuSeconds } from './lib.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const DURATION = Number(process.env.BENCH_DURATION ?? 5)
const STAGES = ['floor', '+ logger, rate limit, response schema, event service (no storage)', '+ SQLite store, durability normal', '+ durability full (the hub)']
const body = JSON.stringify({ type: 'order.created', source: 'order', severity: 'INFO', payload: { orderId: 12345, total: 42.5, items: [{ sku: 'ROSE-12', qty: 2 }], customer: 'c-981' } })

async function measure (stage) {
  const server = await startServer(join(ROOT, 'bench/parts-server.js'), { BENCH_STAGE: String(stage) })
  try {
    await autocannon({ url: `${server.url}/events`, connections: 50, duration: 2, body })
    const before = cpuSeconds(server.child.pid)
    const r = await autocannon({ url: `${server.url}/events`, connections: 50, duration: DURATION, body })
    if (r.non2xx + r.errors > 0) throw new Error(`stage ${stage}: ${r.non2xx + r.errors} failed requests`)
    return { cpuUs: (cpuSeconds(server.child.pid) - before) * 1e6 / r.requests.total, rps: r.requests.average }
  } finally {
    await server.stop()
  }
}

export async function runPartsBench () {
  const runs = STAGES.map(() => [])
  for (let round = 0; round < ROUNDS; round++) {
    for (let stage = 0; stage < STAGES.length; stage++) runs[stage].push(await measure(stage))
  }
  console.log(`\n## parts of single-event ingest (server CPU per request, median of ${ROUNDS} rounds × ${DURATION} s)`)
  let previous = 0
  const rows = STAGES.map((name, i) => {
    const cpuUs = median(runs[i].map((x) => x.cpuUs))
    const row = { stage: name, cpuUs, addedUs: i === 0 ? cpuUs : cpuUs - previous, rps: median(runs[i].map((x) => x.rps)) }
    previous = cpuUs
    console.log(`  ${name.padEnd(58)} ${fmt(cpuUs, 1).padStart(6)} µs   (${i === 0 ? '' : '+'}${fmt(row.addedUs, 1)})   ${fmt(row.rps)} req/s`)
    return row
  })
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) await runPartsBench()
