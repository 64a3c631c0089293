// MCP benchmark: `tools/call check_services` over /mcp (stateless Streamable HTTP, a 2025-11-25 and a
// 2026-07-28 client, an agent's bearer token) against `GET /check-services` (admin Basic) and the bare
// Fastify floor, on one hub with 2,000 services, rounds alternating, medians. Target: MCP at least 0.5
// of the REST route's requests/s. Runs against the built app: `npm run build` first. Alone:
// `node bench/mcp.js`.
//
// The services point at a local target and the scheduler is off: one probe round (`?refresh=true`)
// fills their states (1 in 20 down) and last checks, and nothing probes while load runs. Each
// tools/call writes an audit entry (durability full) before it answers; GET /check-services writes none.
import { createServer } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, startServer, startHub, autocannon, median, tempDataDir, fmt, cpuSeconds } from './lib.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const DURATION = Number(process.env.BENCH_DURATION ?? 5)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2)
const CONNECTIONS = 10
const PASSWORD = 'bench-password-123'
const BASIC = 'Basic ' + Buffer.from(`admin:${PASSWORD}`).toString('base64')

const toolCall = (args, meta) => JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'check_services', arguments: args, ...(meta ? { _meta: meta } : {}) },
})
// what the SDK's client sends once pinned to 2026-07-28 (captured from @modelcontextprotocol/client 2.4)
const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
}
const mcpHeaders = (token, version) => ({
  authorization: `Bearer ${token}`,
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': version,
  ...(version === '2026-07-28' ? { 'mcp-method': 'tools/call', 'mcp-name': 'check_services' } : {}),
})

/** The scenarios, each one request that autocannon repeats. */
function scenarios (token) {
  const mcp = (version, args, label) => ({
    name: `mcp ${version} ${label}`,
    path: '/mcp',
    method: 'POST',
    body: toolCall(args, version === '2026-07-28' ? MODERN_META : undefined),
    headers: mcpHeaders(token, version),
    mcp: true,
  })
  return [
    { name: 'floor', floor: true, path: '/events', method: 'POST', body: toolCall({}), headers: {} },
    { name: 'rest', path: '/check-services', method: 'GET', headers: { authorization: BASIC } },
    mcp('2025-11-25', {}, 'limit 20'),
    mcp('2026-07-28', {}, 'limit 20'),
    mcp('2025-11-25', { limit: 500 }, 'limit 500'),
    mcp('2026-07-28', { limit: 500 }, 'limit 500'),
  ]
}

/** One answer, checked: its size, its framing and how many services it lists. */
async function probeAnswer (url, s) {
  const res = await fetch(url + s.path, { method: s.method, headers: { 'content-type': 'application/json', ...s.headers }, body: s.body })
  const text = await res.text()
  if (!res.ok) throw new Error(`${s.name}: HTTP ${res.status} ${text.slice(0, 300)}`)
  const type = res.headers.get('content-type') ?? ''
  const sse = type.startsWith('text/event-stream')
  let listed = null
  if (!s.floor) {
    // a stateless 2025 answer is one SSE `data:` frame; a 2026 one is plain JSON
    const json = JSON.parse(sse ? text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n') : text)
    const report = s.mcp ? json.result?.structuredContent : json
    if (s.mcp && (json.error || json.result?.isError)) throw new Error(`${s.name}: ${text.slice(0, 300)}`)
    listed = report.services.length
  }
  return { bytes: Buffer.byteLength(text), framing: sse ? 'SSE frame' : 'JSON', listed }
}

/**
 * The hub with `services` services probed once, and an agent's token with scope read. `env` is added
 * to the hub's environment and `nodeArgs` to its command line (e.g. ['--cpu-prof'] to profile it);
 * `script` is another build's server.js, to compare two builds.
 */
export async function startFleetHub ({ services = 2000, env = {}, nodeArgs = [], script } = {}) {
  const target = createServer((req, res) => { res.statusCode = req.url.includes('down') ? 503 : 200; res.end('{"status":"UP"}') })
  await new Promise((resolve) => target.listen(0, '127.0.0.1', resolve))
  const port = target.address().port
  const data = tempDataDir()
  const file = join(data.dir, 'mcp.yaml')
  const lines = ['services:']
  for (let i = 0; i < services; i++) {
    lines.push(`  - name: svc-${i}`, `    url: http://127.0.0.1:${port}/${i % 20 === 0 ? 'down' : 'ok'}/${i}`, '    interval: 60000', '    timeout: 5000', `    tags: [team-${i % 10}]`)
  }
  writeFileSync(file, lines.join('\n') + '\n')
  const hub = await (script ? (e, a) => startServer(script, e, a) : startHub)({
    MCP_HOST: '127.0.0.1',
    MCP_PORT: '0',
    MCP_DATA_DIR: data.dir,
    MCP_ADMIN_PASSWORD: PASSWORD,
    MCP_CONFIG: file,
    MCP_HEALTH_SCHEDULER: 'false',
    MCP_RATE_LIMIT_MAX: '100000000',
    MCP_ENDPOINT_RATE_LIMIT_MAX: '100000000',
    MCP_LOG_LEVEL: 'info',
    ...env,
  }, nodeArgs)
  const admin = (path, body) => fetch(hub.url + path, { method: body ? 'POST' : 'GET', headers: { authorization: BASIC, 'content-type': 'application/json' }, body: body && JSON.stringify(body) })
  try {
    const fleet = await (await admin('/check-services?refresh=true')).json()
    const agent = await admin('/context/agents', { id: 'bench', name: 'bench' })
    if (agent.status !== 201) throw new Error(`creating the agent: HTTP ${agent.status} ${await agent.text()}`)
    const minted = await admin('/context/agents/bench/tokens', { name: 'bench', scopes: ['read'] })
    if (minted.status !== 201) throw new Error(`minting the token: HTTP ${minted.status} ${await minted.text()}`)
    const { token } = await minted.json()
    return {
      ...hub,
      fleet,
      token,
      admin,
      stop: async () => { await hub.stop(); target.close(); data.remove() },
    }
  } catch (err) {
    await hub.stop()
    target.close()
    data.remove()
    throw err
  }
}

async function measure (server, s) {
  const load = { url: server.url + s.path, connections: CONNECTIONS, method: s.method, body: s.body, headers: s.headers }
  if (WARMUP > 0) await autocannon({ ...load, duration: WARMUP })
  const cpuBefore = cpuSeconds(server.child.pid)
  const r = await autocannon({ ...load, duration: DURATION })
  const cpu = cpuSeconds(server.child.pid) - cpuBefore
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, bad: r.non2xx + r.errors, total: r.requests.total, cpuUs: cpu * 1e6 / r.requests.total }
}

export async function runMcpBench ({ services = Number(process.env.BENCH_MCP_SERVICES ?? 2000) } = {}) {
  const hub = await startFleetHub({ services })
  const floor = await startServer(join(ROOT, 'bench/floor.js'))
  try {
    const list = scenarios(hub.token)
    const answers = {}
    for (const s of list) answers[s.name] = await probeAnswer(s.floor ? floor.url : hub.url, s)
    const entriesBefore = (await (await hub.admin('/audit/verify')).json()).checked

    const runs = Object.fromEntries(list.map((s) => [s.name, []]))
    for (let round = 0; round < ROUNDS; round++) {
      // the order turns around every round, so drift on the machine hits every scenario alike
      for (const s of round % 2 ? [...list].reverse() : list) runs[s.name].push(await measure(s.floor ? floor : hub, s))
    }
    const verified = await (await hub.admin('/audit/verify')).json()
    const mcpCalls = list.filter((s) => s.mcp).reduce((n, s) => n + runs[s.name].reduce((a, r) => a + r.total, 0), 0)

    const summary = (xs) => ({ rps: median(xs.map((x) => x.rps)), p50: median(xs.map((x) => x.p50)), p99: median(xs.map((x) => x.p99)), cpuUs: median(xs.map((x) => x.cpuUs)), bad: xs.reduce((a, x) => a + x.bad, 0) })
    const rows = list.map((s) => ({ name: s.name, ...summary(runs[s.name]), answer: answers[s.name] }))
    const rest = rows.find((r) => r.name === 'rest')
    for (const r of rows) r.ofRest = r.rps / rest.rps

    const f = hub.fleet
    const size = (bytes) => bytes < 1024 ? `${bytes} B` : `${fmt(bytes / 1024, 1)} KiB`
    console.log(`\n## mcp: tools/call check_services vs GET /check-services, ${fmt(f.total)} services (${fmt(f.healthy)} up, ${fmt(f.unhealthy)} down), ${CONNECTIONS} connections (median of ${ROUNDS} rounds × ${DURATION} s, after ${WARMUP} s of warm-up each)`)
    console.log('  what one answer is:')
    const what = {
      floor: 'bare Fastify (bench/floor.js): POST /events with the tools/call body, parsed, answered {"ok":true}',
      rest: 'GET /check-services, admin Basic: the full report',
    }
    for (const r of rows) {
      const a = r.answer
      const listed = a.listed === null ? '' : `${fmt(a.listed)} services, `
      const desc = what[r.name] ?? `tools/call, bearer token, audited: the page as structuredContent and again as text${r.name.includes('2025') ? ', in one SSE frame' : ''}`
      console.log(`    ${r.name.padEnd(25)} ${size(a.bytes).padStart(10)} ${a.framing.padEnd(9)}  ${listed}${desc}`)
    }
    const ratio = (x) => x === null ? '—' : fmt(x, 2)
    console.log(`  ${'scenario'.padEnd(25)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'CPU µs/req'.padStart(11)} ${'of REST'.padStart(8)}   errors`)
    for (const r of rows) {
      console.log(`  ${r.name.padEnd(25)} ${fmt(r.rps).padStart(8)} ${String(r.p50).padStart(7)} ${String(r.p99).padStart(7)} ${fmt(r.cpuUs).padStart(11)} ${ratio(r.name === 'floor' ? null : r.ofRest).padStart(8)}   ${r.bad}`)
    }
    const limit20 = rows.filter((r) => r.name.endsWith('limit 20'))
    console.log(`  MCP/REST (target ≥ 0.5): ${limit20.map((r) => `${r.name.split(' ')[1]} ${fmt(r.ofRest, 2)}`).join(', ')}; the floor serves ${fmt(rows[0].rps / rest.rps)}× REST's req/s`)
    console.log(`  audit (durability ${process.env.MCP_DURABILITY ?? 'full'}): ${fmt(verified.checked - entriesBefore)} entries appended during the run for ${fmt(mcpCalls)} measured tools/calls (plus warm-up); the trail ${verified.ok ? 'verifies' : 'does NOT verify: ' + verified.reason}`)
    return { services: f.total, rows }
  } finally {
    await floor.stop()
    await hub.stop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runMcpBench()
