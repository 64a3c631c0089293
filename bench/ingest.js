// Ingest benchmark: our hub (fresh data dir, default durability) against the bare Fastify floor,
// single-event POSTs at 50 connections and 1000-event batches, alternating over rounds.
import { join } from 'node:path'
import { ROOT, startServer, startHub, autocannon, median, tempDataDir, fmt, cpuSeconds } from './lib.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const DURATION = Number(process.env.BENCH_DURATION ?? 5)
// both servers get the same unmeasured warm-up, so the measured seconds compare code that V8 has compiled
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2)
const PASSWORD = 'bench-password-123'

const single = JSON.stringify({ type: 'order.created', source: 'order', severity: 'INFO', payload: { orderId: 12345, total: 42.5, items: [{ sku: 'ROSE-12', qty: 2 }], customer: 'c-981' } })
const batch = JSON.stringify(Array.from({ length: 1000 }, (_, i) => ({ type: 'cart.updated', source: 'cart', severity: 'DEBUG', payload: { cartId: i, items: i % 7, total: i * 1.5 } })))

/** One measured run against the floor or a hub (`hubEnv` adds to the hub's environment, e.g. MCP_DATABASE_URL). */
export async function runOne (target, scenario, hubEnv = {}) {
  const data = target === 'hub' ? tempDataDir() : null
  const server = target === 'hub'
    ? await startHub({ MCP_HOST: '127.0.0.1', MCP_PORT: '0', MCP_DATA_DIR: data.dir, MCP_ADMIN_PASSWORD: PASSWORD, MCP_INGEST_RATE_LIMIT_MAX: '100000000', MCP_LOG_LEVEL: 'info', ...hubEnv })
    : await startServer(join(ROOT, 'bench/floor.js'))
  try {
    if (WARMUP > 0) await autocannon({ url: `${server.url}/events`, connections: scenario.connections, duration: WARMUP, body: scenario.body })
    const cpuBefore = cpuSeconds(server.child.pid)
    const r = await autocannon({ url: `${server.url}/events`, connections: scenario.connections, duration: DURATION, body: scenario.body })
    const cpu = cpuSeconds(server.child.pid) - cpuBefore
    const non2xx = r.non2xx + r.errors
    // CPU per event varies less between runs than requests/s: it does not depend on the load generator
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx, cpuUsPerEvent: cpu * 1e6 / (r.requests.total * scenario.events) }
  } finally {
    await server.stop()
    data?.remove()
  }
}

export const scenarios = [
  { name: 'single event, 50 connections', body: single, connections: 50, events: 1 },
  { name: '1000-event batches, 10 connections', body: batch, connections: 10, events: 1000 },
]
/** medians over rounds of runOne's results */
export const summary = (list) => ({ rps: median(list.map((x) => x.rps)), p50: median(list.map((x) => x.p50)), p99: median(list.map((x) => x.p99)), cpuUsPerEvent: median(list.map((x) => x.cpuUsPerEvent)), errors: list.reduce((a, x) => a + x.non2xx, 0) })

export async function runIngestBench () {
  const results = []
  for (const scenario of scenarios) {
    const runs = { floor: [], hub: [] }
    for (let round = 0; round < ROUNDS; round++) {
      // alternate the order so drift on the machine hits both alike
      for (const target of round % 2 ? ['hub', 'floor'] : ['floor', 'hub']) runs[target].push(await runOne(target, scenario))
    }
    const floor = summary(runs.floor)
    const hub = summary(runs.hub)
    const row = { scenario: scenario.name, floor, hub, ratio: hub.rps / floor.rps, hubEventsPerSec: hub.rps * scenario.events }
    results.push(row)
    console.log(`\n## ingest: ${scenario.name} (median of ${ROUNDS} rounds × ${DURATION} s, after ${WARMUP} s of warm-up)`)
    console.log(`  floor  ${fmt(floor.rps).padStart(8)} req/s   p50 ${floor.p50} ms   p99 ${floor.p99} ms   server CPU ${fmt(floor.cpuUsPerEvent, 1)} µs/event`)
    console.log(`  hub    ${fmt(hub.rps).padStart(8)} req/s   p50 ${hub.p50} ms   p99 ${hub.p99} ms   server CPU ${fmt(hub.cpuUsPerEvent, 1)} µs/event   non-2xx/errors ${hub.errors}`)
    console.log(`  ratio  ${fmt(row.ratio, 2)} of the floor${scenario.events > 1 ? `   hub ${fmt(row.hubEventsPerSec)} events/s stored` : ''}`)
  }
  return results
}

if (import.meta.url === `file://${process.argv[1]}`) await runIngestBench()
