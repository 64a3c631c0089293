// The shipped monitoring and container config, checked by the real tools where there are some (promtool)
// and otherwise by parsing the files: the names and labels they use are those the hub actually exposes.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { build, adminHeaders } from '../helper.js'
import { fast, receiver } from '../fixtures/notifier.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const file = (p: string) => readFileSync(root + p, 'utf8')
const promtool = { skip: existsSync('/usr/bin/promtool') ? false : 'promtool missing (Debian package prometheus)' }

t.test('promtool check config deploy/prometheus.yml passes (rule_files relative to it)', promtool, async (t) => {
  const out = execFileSync('promtool', ['check', 'config', root + 'deploy/prometheus.yml'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  t.match(out, /SUCCESS: 1 rule files found/)
  t.match(out, /SUCCESS: .*prometheus\.yml is valid/)
  t.same(parseYaml(file('deploy/prometheus.yml')).rule_files, ['rules.yml'])
})

t.test('promtool test rules: paused never pages, down is critical, degraded its own warning', promtool, async (t) => {
  const out = execFileSync('promtool', ['test', 'rules', root + 'deploy/rules.test.yml'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  t.match(out, /SUCCESS/)
  const rules = parseYaml(file('deploy/rules.yml')).groups[0].rules
  const byName = Object.fromEntries(rules.map((r: any) => [r.alert, r]))
  t.equal(byName.ServiceDown.labels.severity, 'critical')
  t.equal(byName.ServiceDegraded.labels.severity, 'warning')
  // the unit test file covers each alert of the rules file
  const tested = new Set(parseYaml(file('deploy/rules.test.yml')).tests.flatMap((x: any) => x.alert_rule_test.map((a: any) => a.alertname)))
  for (const r of rules) t.ok(tested.has(r.alert), `${r.alert} has a rule test`)
})

/** Every metric's label names, from a live scrape of the hub with a probe and a delivery recorded. */
async function exposedLabels (t: Parameters<Parameters<typeof t.test>[1]>[0]) {
  const hook = await receiver(t)
  const { app } = await build(t, { ...fast, healthScheduler: false, channels: [{ id: 'ops', type: 'webhook', url: hook.url }] })
  t.equal((await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name: 'order', url: 'http://127.0.0.1:9/health' } })).statusCode, 201)
  app.bus.publish('service.checked', { service: 'order', verdict: 'down', latencyMs: 5, errorClass: 'connect' })
  t.match((await app.inject({ method: 'POST', url: '/notifications/channels/ops/test', headers: adminHeaders })).json(), { ok: true })
  const text = (await app.inject({ url: '/metrics/prometheus' })).body
  const labels = new Map<string, Set<string>>()
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line)
    if (!m) continue
    const set = labels.get(m[1]) ?? new Set<string>()
    for (const [, k] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) set.add(k)
    labels.set(m[1], set)
  }
  return labels
}

t.test('the rules and the Grafana panels use metric names and labels the hub exposes', async (t) => {
  const labels = await exposedLabels(t)
  t.same([...labels.get('mcp_service_state')!].sort(), ['service', 'state'])
  for (const r of parseYaml(file('deploy/rules.yml')).groups[0].rules) {
    for (const [, metric, sel] of (r.expr as string).matchAll(/(mcp_[a-z_]+)(?:\{([^}]*)\})?/g)) {
      t.ok(labels.has(metric), `${r.alert}: ${metric} is exposed`)
      for (const [, k] of (sel ?? '').matchAll(/([a-z_]+)=/g)) t.ok(labels.get(metric)!.has(k), `${r.alert}: ${metric} has label ${k}`)
    }
  }
  const dashboard = JSON.parse(file('deploy/grafana/dashboards/mcp-fleet.json'))
  const probes = dashboard.panels.find((p: any) => p.title === 'Probes by outcome')
  t.ok(probes, 'the probes panel')
  let checked = 0
  for (const panel of dashboard.panels) {
    for (const target of panel.targets ?? []) {
      for (const [, by, metric] of (target.expr as string).matchAll(/by \(([^)]*)\) \((?:rate|increase|sum)\((mcp_[a-z_]+)/g)) {
        const have = labels.get(metric)
        t.ok(have, `${panel.title}: ${metric} is exposed`)
        for (const l of by.split(',').map((s) => s.trim()).filter((s) => s !== 'le')) t.ok(have?.has(l), `${panel.title}: ${metric} has label ${l}`)
        checked++
      }
    }
  }
  t.ok(checked >= 2, `grouped panel queries checked (${checked})`)
  t.match(probes.targets[0].expr, /by \(verdict\)/)
})

t.test('docker-compose: container mcp-server, passwords from the environment, rules beside prometheus.yml', async (t) => {
  const compose = parseYaml(file('docker-compose.yml'))
  t.equal(compose.services['mcp-server'].container_name, 'mcp-server', 'docker compose logs mcp-server / docker exec mcp-server work')
  t.match(compose.services['mcp-server'].environment.MCP_ADMIN_PASSWORD, /^\$\{MCP_ADMIN_PASSWORD:\?[^}]*\}$/)
  t.match(compose.services.grafana.environment.GF_SECURITY_ADMIN_PASSWORD, /^\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]*\}$/, "Grafana's admin password from the environment")
  const mounts = Object.fromEntries(compose.services.prometheus.volumes.map((v: string) => { const [src, dst] = v.split(':'); return [src, dst] }))
  t.equal(posix.dirname(mounts['./deploy/rules.yml']), posix.dirname(mounts['./deploy/prometheus.yml']), 'rules.yml mounted beside prometheus.yml, where its relative path points')
  t.ok(compose.services.prometheus.command.includes(`--config.file=${mounts['./deploy/prometheus.yml']}`))
})

t.test('Dockerfile: the health check runs src/healthcheck.ts (compiled), not a fixed http URL', async (t) => {
  const dockerfile = file('Dockerfile')
  const hc = /^HEALTHCHECK[^\n]*\\\n\s*CMD (.*)$/m.exec(dockerfile)
  t.ok(hc, 'a HEALTHCHECK')
  t.same(JSON.parse(hc![1]), ['node', 'dist/healthcheck.js'])
  t.notMatch(hc![0], /5050|http:/, 'no fixed port or scheme')
  t.ok(existsSync(root + 'src/healthcheck.ts'), 'compiled into dist/ by tsc')
  t.match(dockerfile, /COPY --from=build \/app\/dist \.\/dist/)
})

t.test('alertmanager.yml: every receiver posts to the hub receiver, which exists', async (t) => {
  const am = parseYaml(file('deploy/alertmanager.yml'))
  const { app } = await build(t, { healthScheduler: false })
  const used = new Set<string>([am.route.receiver, ...am.route.routes.map((r: any) => r.receiver)])
  for (const r of am.receivers) {
    t.ok(used.has(r.name), `${r.name} is routed to`)
    t.ok(r.webhook_configs?.length, `${r.name} delivers somewhere`)
    for (const w of r.webhook_configs) {
      const u = new URL(w.url)
      t.equal(u.host, 'mcp-server:5050', `${r.name}: the hub's compose service name`)
      t.equal(u.pathname, '/events/alertmanager')
      t.ok(app.hasRoute({ method: 'POST', url: u.pathname }), 'the hub has the route')
      t.equal(w.send_resolved, true)
    }
  }
})
