// OTLP benchmark: events/s stored through POST /v1/logs with 1000-record exports (OTLP/JSON, protobuf,
// gzip protobuf) beside POST /events with 1000-event batches of the same events, in the same run:
// a fresh hub per measurement, 10 connections, the scenarios' order rotated over rounds.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { startHub, autocannon, median, tempDataDir, fmt, cpuSeconds } from './lib.js'
import { encodeLogsRequest } from '../dist/domain/otlp/otlp-codec.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const DURATION = Number(process.env.BENCH_DURATION ?? 5)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2)
const N = 1000

// the same 1000 events, as POST /events items and as OTLP log records
const batch = JSON.stringify(Array.from({ length: N }, (_, i) => ({
  type: 'cart.updated', source: 'cart', severity: 'DEBUG', time: 1764756000000 + i, payload: { cartId: i, items: i % 7, total: i * 1.5 },
})))
const kv = (key, value) => ({ key, value })
const otlp = {
  resourceLogs: [{
    resource: { attributes: [kv('service.name', { stringValue: 'cart' })] },
    scopeLogs: [{
      scope: { name: 'cart-service' },
      logRecords: Array.from({ length: N }, (_, i) => ({
        timeUnixNano: String((1764756000000 + i) * 1e6),
        severityNumber: 5,
        eventName: 'cart.updated',
        body: { kvlistValue: { values: [kv('cartId', { intValue: i }), kv('items', { intValue: i % 7 }), kv('total', { doubleValue: i * 1.5 })] } },
      })),
    }],
  }],
}

export async function runOtlpBench () {
  const files = tempDataDir()
  const write = (name, bytes) => { const p = join(files.dir, name); writeFileSync(p, bytes); return p }
  const proto = encodeLogsRequest(otlp)
  const scenarios = [
    { name: 'POST /events, 1000-event batches', url: '/events', bytes: Buffer.from(batch) },
    { name: 'POST /v1/logs, OTLP/JSON, 1000 records', url: '/v1/logs', bytes: Buffer.from(JSON.stringify(otlp)) },
    { name: 'POST /v1/logs, protobuf, 1000 records', url: '/v1/logs', bytes: proto, headers: { 'content-type': 'application/x-protobuf' } },
    { name: 'POST /v1/logs, protobuf + gzip, 1000 records', url: '/v1/logs', bytes: gzipSync(proto), headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' } },
  ]
  // bodies go to autocannon as files: a JSON body of 1000 records is longer than one command-line argument may be
  scenarios.forEach((s, i) => { s.input = write(`body-${i}`, s.bytes) })
  const runs = new Map(scenarios.map((s) => [s, []]))
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // rotate the order so drift on the machine hits every scenario alike
      for (let k = 0; k < scenarios.length; k++) {
        const scenario = scenarios[(k + round) % scenarios.length]
        runs.get(scenario).push(await runOne(scenario))
      }
    }
  } finally {
    files.remove()
  }
  console.log(`\n## otlp: 1000 events a request, 10 connections (median of ${ROUNDS} rounds × ${DURATION} s, after ${WARMUP} s of warm-up)`)
  const results = []
  for (const s of scenarios) {
    const list = runs.get(s)
    const row = {
      scenario: s.name,
      eventsPerSec: median(list.map((x) => x.rps)) * N,
      p99: median(list.map((x) => x.p99)),
      cpuUsPerEvent: median(list.map((x) => x.cpuUsPerEvent)),
      errors: list.reduce((a, x) => a + x.non2xx, 0),
      bodyBytes: s.bytes.length,
    }
    results.push(row)
    console.log(`  ${s.name.padEnd(46)} ${fmt(row.eventsPerSec).padStart(8)} events/s   p99 ${row.p99} ms   server CPU ${fmt(row.cpuUsPerEvent, 1)} µs/event   body ${fmt(row.bodyBytes / 1024)} KiB   non-2xx/errors ${row.errors}`)
  }
  return results
}

async function runOne (scenario) {
  const data = tempDataDir()
  const server = await startHub({
    MCP_HOST: '127.0.0.1',
    MCP_PORT: '0',
    MCP_DATA_DIR: data.dir,
    MCP_ADMIN_PASSWORD: 'bench-password-123',
    MCP_INGEST_RATE_LIMIT_MAX: '100000000',
    MCP_BODY_LIMIT: String(4 * 1024 * 1024),
    MCP_LOG_LEVEL: 'info',
  })
  try {
    const load = { url: `${server.url}${scenario.url}`, connections: 10, input: scenario.input, headers: scenario.headers }
    if (WARMUP > 0) await autocannon({ ...load, duration: WARMUP })
    const cpuBefore = cpuSeconds(server.child.pid)
    const r = await autocannon({ ...load, duration: DURATION })
    const cpu = cpuSeconds(server.child.pid) - cpuBefore
    return { rps: r.requests.average, p99: r.latency.p99, non2xx: r.non2xx + r.errors, cpuUsPerEvent: cpu * 1e6 / (r.requests.total * N) }
  } finally {
    await server.stop()
    data.remove()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runOtlpBench()
