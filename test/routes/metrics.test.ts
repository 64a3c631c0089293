import t from 'tap'
import http from 'node:http'
import { spawn, execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { build, adminHeaders, tempDir } from '../helper.js'
import { waitFor } from '../fixtures/wait.js'

/** A probe target that counts the requests it gets; `status` can be flipped. */
async function target (t: any) {
  const state = { hits: 0, status: 200 }
  const server = http.createServer((_req, res) => { state.hits++; res.statusCode = state.status; res.end('ok') })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health` }
}

async function fleet (t: any) {
  const up = await target(t)
  const down = await target(t)
  down.state.status = 500
  const { app, dataDir } = await build(t, { healthScheduler: false })
  for (const [name, url] of [['auth', up.url], ['order', down.url]]) {
    const res = await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name, url, interval: 30_000, timeout: 1000, failureThreshold: 1, successThreshold: 1 } })
    t.equal(res.statusCode, 201)
  }
  t.equal((await app.inject({ url: '/check-services?refresh=true', headers: adminHeaders })).statusCode, 200)
  return { app, up, down, dataDir }
}

const sample = (text: string, name: string, labels = '') => {
  const line = text.split('\n').find((l) => l.startsWith(name + (labels ? `{${labels}}` : ' ')))
  return line === undefined ? undefined : Number(line.split(' ').pop())
}

t.test('the seed six and the conventional metrics, with the right values', async (t) => {
  const { app } = await fleet(t)
  await app.inject({ method: 'POST', url: '/events', payload: [{ type: 'a' }, { type: 'b' }] })
  await app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: { actor: { type: 'user', id: 'ana' }, action: 'order.refund', outcome: 'success' } })
  const res = await app.inject({ url: '/metrics/prometheus' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8')
  const text = res.body
  t.equal(sample(text, 'mcp_total_services'), 2)
  t.equal(sample(text, 'mcp_healthy_services'), 1)
  t.equal(sample(text, 'mcp_events_count'), 2)
  t.ok(sample(text, 'mcp_audits_count')! >= 1)
  t.equal(sample(text, 'mcp_uptime_percent'), 50)
  t.notMatch(text, /^mcp_tests_status/m, 'absent without a tests task')
  t.equal(sample(text, 'mcp_service_up', 'service="auth"'), 1)
  t.equal(sample(text, 'mcp_service_up', 'service="order"'), 0)
  t.equal(sample(text, 'mcp_service_state', 'service="order",state="down"'), 1)
  t.equal(sample(text, 'mcp_service_state', 'service="order",state="up"'), 0)
  t.equal(sample(text, 'mcp_events_ingested_total'), 2)
  t.equal(sample(text, 'mcp_probes_total', 'verdict="down",error_class="status"'), 1)
  t.equal(sample(text, 'mcp_probe_duration_seconds_count', 'service="auth"'), 1)
  t.match(text, /http_request_duration_seconds_bucket\{.*route="\/events"/)
  t.match(text, /process_cpu_user_seconds_total/)
  await app.metrics.refreshUptime()
  const again = (await app.inject({ url: '/metrics/prometheus' })).body
  t.equal(sample(again, 'mcp_service_uptime_ratio', 'service="auth",window="24h"'), 1)
  t.equal(sample(again, 'mcp_service_uptime_ratio', 'service="order",window="30d"'), 0)
  t.notMatch(again, /service="[0-9A-Z]{26}"|event_id|type="a"/, 'no unbounded label values')
})

t.test('mcp_tests_status follows the latest task named tests', async (t) => {
  const { app } = await build(t, { healthScheduler: false })
  const create = await app.inject({ method: 'POST', url: '/context/tasks', headers: adminHeaders, payload: { name: 'tests', status: 'submitted' } })
  t.equal(create.statusCode, 201, create.body)
  const id = create.json().id
  for (const status of ['working', 'failed']) t.equal((await app.inject({ method: 'PATCH', url: `/context/tasks/${id}`, headers: adminHeaders, payload: { status } })).statusCode, 200)
  t.equal(sample((await app.inject({ url: '/metrics/prometheus' })).body, 'mcp_tests_status', 'task="tests"'), 0)
  t.equal((await app.inject({ url: '/metrics' })).json().testsStatus, 'failed')
  const next = await app.inject({ method: 'POST', url: '/context/tasks', headers: adminHeaders, payload: { name: 'tests', status: 'submitted' } })
  for (const status of ['working', 'completed']) await app.inject({ method: 'PATCH', url: `/context/tasks/${next.json().id}`, headers: adminHeaders, payload: { status } })
  t.equal(sample((await app.inject({ url: '/metrics/prometheus' })).body, 'mcp_tests_status', 'task="tests"'), 1)
})

t.test('GET /metrics answers the seed summary', async (t) => {
  const { app } = await fleet(t)
  const res = await app.inject({ url: '/metrics' })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { healthy: 1, degraded: 0, unhealthy: 1, total: 2, events: 0, uptime: 50, testsStatus: null })
})

t.test('scraping 50 times causes no probe', async (t) => {
  const { app, up, down } = await fleet(t)
  const before = up.state.hits + down.state.hits
  for (let i = 0; i < 50; i++) t.equal((await app.inject({ url: '/metrics/prometheus' })).statusCode, 200)
  for (let i = 0; i < 5; i++) await app.inject({ url: '/metrics' })
  t.equal(up.state.hits + down.state.hits, before, 'the targets saw no request')
})

t.test('promtool check metrics reports nothing on a live scrape', { skip: existsSync('/usr/bin/promtool') ? false : 'promtool missing (Debian package prometheus)' }, async (t) => {
  const { app } = await fleet(t)
  await app.inject({ method: 'POST', url: '/events', payload: { type: 'x' } })
  await app.metrics.refreshUptime()
  const text = (await app.inject({ url: '/metrics/prometheus' })).body
  let out = ''
  let code = 0
  try {
    out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] })
  } catch (err) {
    const e = err as { status: number, stdout: string, stderr: string }
    code = e.status
    out = e.stdout + e.stderr
  }
  t.equal(code, 0, out)
  t.equal(out.trim(), '', 'promtool has nothing to say')
})

t.test('a real Prometheus scrapes the hub and answers queries', { skip: existsSync('/usr/bin/prometheus') ? false : 'prometheus missing (Debian package prometheus)' }, async (t) => {
  const { app } = await fleet(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const hubPort = (app.server.address() as AddressInfo).port
  const dir = tempDir(t)
  const promPort = await freePort()
  writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: mcp\n    metrics_path: /metrics/prometheus\n    static_configs:\n      - targets: ['127.0.0.1:${hubPort}']\n`)
  const prom = spawn('/usr/bin/prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  prom.stderr!.on('data', (d) => { log += d })
  t.teardown(() => { prom.kill('SIGKILL') })
  const query = async (q: string) => {
    const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`)
    return (await res.json()) as { data: { result: Array<{ metric: Record<string, string>, value: [number, string] }> } }
  }
  // Prometheus starts, then scrapes every second: wait until it holds the first sample
  const total = await waitFor(async () => {
    try { return (await query('mcp_total_services')).data.result[0]?.value[1] } catch { return undefined /* not listening yet */ }
  }, { timeoutMs: 25_000, intervalMs: 250, message: () => `Prometheus to hold mcp_total_services (log: ${log.slice(-500)})` })
  t.equal(total, '2', `Prometheus holds mcp_total_services (log: ${log.slice(-500)})`)
  const up = (await query('mcp_service_up')).data.result
  t.same(Object.fromEntries(up.map((r) => [r.metric.service, r.value[1]])), { auth: '1', order: '0' })
  t.same(up.map((r) => r.metric.job), ['mcp', 'mcp'])
})

t.test('the Grafana dashboard parses and every panel queries a metric the hub exports', async (t) => {
  const { app } = await fleet(t)
  await app.inject({ method: 'POST', url: '/events', payload: { type: 'x' } })
  const exported = new Set((await app.inject({ url: '/metrics/prometheus' })).body.split('\n')
    .filter((l) => l.startsWith('# TYPE ')).flatMap((l) => {
      const [, , name, type] = l.split(' ')
      return type === 'histogram' ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`] : [name]
    }))
  const dash = JSON.parse(readFileSync(new URL('../../deploy/grafana/dashboards/mcp-fleet.json', import.meta.url), 'utf8'))
  t.ok(dash.panels.length >= 10)
  const promqlWords = new Set(['sum', 'by', 'rate', 'histogram_quantile', 'avg', 'max', 'min', 'le', 'service', 'state', 'window', 'route', 'channel', 'outcome', 'count', 'irate', 'increase'])
  for (const panel of dash.panels) {
    t.ok(panel.targets?.length, `panel "${panel.title}" has a query`)
    for (const target of panel.targets) {
      const names = (target.expr.match(/[a-z_][a-z0-9_]*/g) as string[]).filter((w) => !promqlWords.has(w) && !/^\d/.test(w) && w.includes('_'))
      t.ok(names.length > 0, `${panel.title}: ${target.expr}`)
      for (const n of names) t.ok(exported.has(n), `panel "${panel.title}" names ${n}, which the hub exports`)
    }
  }
})

function freePort (): Promise<number> {
  return new Promise((resolve) => {
    const s = http.createServer()
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as AddressInfo; s.close(() => resolve(port)) })
  })
}

t.test('the exposition goes out as its two parts with their exact total length, not chunked', async (t) => {
  const { app } = await fleet(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const res = await fetch(`http://127.0.0.1:${port}/metrics/prometheus`)
  t.equal(res.status, 200)
  const body = Buffer.from(await res.arrayBuffer())
  t.equal(res.headers.get('content-length'), String(body.length), 'content-length is the bytes sent')
  t.equal(res.headers.get('transfer-encoding'), null, 'no chunked encoding')
  t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
  const text = body.toString()
  // the registry's families come first, the per-service ones after, each present once
  t.ok(text.indexOf('# TYPE mcp_events_total') < text.indexOf('# TYPE mcp_service_up'), 'registry first, then the services')
  t.equal(text.split('\n').filter((l) => l === '# TYPE mcp_service_up gauge').length, 1)
  t.equal(sample(text, 'mcp_service_up', 'service="auth"'), 1)
  t.equal(sample(text, 'mcp_service_up', 'service="order"'), 0)
  t.ok(text.endsWith('\n'), 'ends with a newline')
})
