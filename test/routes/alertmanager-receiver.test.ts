// POST /events/alertmanager driven by the real Alertmanager (Debian package prometheus-alertmanager) running
// the shipped deploy/alertmanager.yml, aimed at a hub listening on 127.0.0.1 with an ingest token.
import t from 'tap'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml, stringify } from 'yaml'
import { build, adminHeaders, tempDir } from '../helper.js'
import { waitFor } from '../fixtures/wait.js'
import { ALERTMANAGER as BINARY, startAlertmanager } from '../fixtures/alertmanager.js'

const TOKEN = 'am-ingest-token-0123456789'
const SHIPPED = fileURLToPath(new URL('../../deploy/alertmanager.yml', import.meta.url))

/** The shipped config with the hub's real address, the token, and short grouping timers. */
function shippedConfigFor (hubOrigin: string, tokenFile: string): string {
  const am = parseYaml(readFileSync(SHIPPED, 'utf8'))
  Object.assign(am.route, { group_wait: '1s', group_interval: '1s' })
  for (const r of am.receivers) {
    for (const w of r.webhook_configs) {
      w.url = w.url.replace('http://mcp-server:5050', hubOrigin)
      w.http_config = { authorization: { type: 'Bearer', credentials_file: tokenFile } }
    }
  }
  return stringify(am)
}

const postAlerts = (amUrl: string, alerts: unknown[]) =>
  fetch(`${amUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) })

t.test('Alertmanager with the shipped config delivers firing and resolved alerts to the hub as events', { skip: existsSync(BINARY) ? false : `${BINARY} is missing: apt-get install prometheus-alertmanager` }, async (t) => {
  const dir = tempDir(t, 'mcp-am-recv-')
  const { app } = await build(t, { healthScheduler: false, ingestTokens: [TOKEN] })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const tokenFile = join(dir, 'token')
  writeFileSync(tokenFile, TOKEN)
  const amUrl = await startAlertmanager(t, shippedConfigFor(app.listeningOrigin, tokenFile), dir)

  const startsAt = new Date(Date.now() - 60_000).toISOString()
  const down = { labels: { alertname: 'ServiceDown', service: 'order', severity: 'critical', job: 'mcp-server' }, annotations: { summary: 'Service order is down' }, startsAt, generatorURL: 'http://prometheus:9090/graph' }
  const degraded = { labels: { alertname: 'ServiceDegraded', service: 'cart', severity: 'warning', job: 'mcp-server' }, annotations: { summary: 'Service cart is degraded' }, startsAt }
  t.equal((await postAlerts(amUrl, [down, degraded])).status, 200)

  const events = async (type: string) => (await app.inject({ url: `/events?type=${type}&limit=100`, headers: adminHeaders })).json().events
  const firing = await waitFor(async () => { const e = await events('alertmanager.firing'); return e?.length === 2 ? e : null }, { message: 'both alerts stored as events (oncall and team receivers)', timeoutMs: 20_000 })
  const order = firing.find((e: any) => e.source === 'order')
  const cart = firing.find((e: any) => e.source === 'cart')
  t.match(order, { type: 'alertmanager.firing', severity: 'FATAL', time: startsAt, payload: { alertname: 'ServiceDown', status: 'firing', labels: { service: 'order' }, annotations: { summary: 'Service order is down' }, receiver: 'oncall', generatorURL: 'http://prometheus:9090/graph' } })
  t.match(cart, { type: 'alertmanager.firing', severity: 'WARN', payload: { alertname: 'ServiceDegraded', receiver: 'team' } })

  // resolved: Alertmanager sends the end (send_resolved), stored as its own event
  const endsAt = new Date().toISOString()
  t.equal((await postAlerts(amUrl, [{ ...down, endsAt }])).status, 200)
  const [resolved] = await waitFor(async () => { const e = await events('alertmanager.resolved'); return e?.length ? e : null }, { message: 'the resolution stored', timeoutMs: 20_000 })
  t.match(resolved, { source: 'order', severity: 'INFO', payload: { status: 'resolved', alertname: 'ServiceDown' } })
  t.equal(Date.parse(resolved.time), Date.parse(endsAt))
  // Alertmanager's repeats of the same notification are stored once
  t.equal((await events('alertmanager.firing')).length, 2)
})

t.test('the receiver: auth as ingest, bad bodies named with 400, nothing half-stored, repeats idempotent', async (t) => {
  const { app } = await build(t, { healthScheduler: false, ingestTokens: [TOKEN] })
  const auth = { authorization: `Bearer ${TOKEN}` }
  const alert = { status: 'firing', labels: { alertname: 'X', service: 'svc' }, startsAt: '2026-12-03T06:00:00.123456789Z', endsAt: '0001-01-01T00:00:00Z', fingerprint: 'abc123' }
  const body = { version: '4', receiver: 'team', status: 'firing', groupKey: '{}:{}', alerts: [alert] }
  t.equal((await app.inject({ method: 'POST', url: '/events/alertmanager', payload: body })).statusCode, 401, 'a token is needed when ingest tokens are set')
  t.equal((await app.inject({ method: 'POST', url: '/events/alertmanager', headers: { authorization: 'Bearer wrong-token-0123456789' }, payload: body })).statusCode, 401)

  for (const [bad, field] of [
    [{ ...body, version: '3' }, /body\/version/],
    [{ ...body, alerts: undefined }, /alerts/],
    [{ ...body, alerts: [] }, /body\/alerts/],
    [{ ...body, alerts: [alert, { ...alert, status: 'pending' }] }, /body\/alerts\/1\/status/],
    [{ ...body, alerts: [{ ...alert, labels: 'x' }] }, /body\/alerts\/0\/labels/],
    [{ ...body, alerts: [{ ...alert, startsAt: 'yesterday' }] }, /body\/alerts\/0\/startsAt/],
  ] as Array<[unknown, RegExp]>) {
    const res = await app.inject({ method: 'POST', url: '/events/alertmanager', headers: auth, payload: bad as object })
    t.equal(res.statusCode, 400, JSON.stringify(bad).slice(0, 80))
    t.match(res.json().message, field)
  }
  t.equal((await app.inject({ method: 'POST', url: '/events/alertmanager', headers: { ...auth, 'content-type': 'application/json' }, payload: 'null' })).statusCode, 400)
  const none = (await app.inject({ url: '/events?limit=10', headers: adminHeaders })).json()
  t.equal(none.events.length, 0, 'nothing stored by refused bodies')

  const ok = await app.inject({ method: 'POST', url: '/events/alertmanager', headers: auth, payload: body })
  t.equal(ok.statusCode, 200)
  t.match(ok.json(), { accepted: [{ index: 0, duplicate: false }], rejected: [] })
  const again = await app.inject({ method: 'POST', url: '/events/alertmanager', headers: auth, payload: body })
  t.match(again.json(), { accepted: [{ index: 0, duplicate: true }] }, 'a repeat is stored once')
  const stored = (await app.inject({ url: '/events?type=alertmanager.firing', headers: adminHeaders })).json()
  const [e] = stored.events
  t.match(e, { source: 'svc', severity: 'WARN', time: '2026-12-03T06:00:00.123Z', producerId: 'abc123:firing:2026-12-03T06:00:00.123Z' })
})
