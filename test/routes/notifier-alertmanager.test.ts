// Against a real Alertmanager (Debian package prometheus-alertmanager), started on a free port.
import t from 'tap'
import { existsSync } from 'node:fs'
import { build, adminHeaders, tempDir } from '../helper.js'
import { fast, publishTransition } from '../fixtures/notifier.js'
import { waitFor } from '../fixtures/wait.js'
import { ALERTMANAGER as BINARY, startAlertmanager } from '../fixtures/alertmanager.js'

const blackhole = (t: { teardown (fn: () => unknown): void }) =>
  startAlertmanager(t, 'route:\n  receiver: blackhole\n  group_wait: 1s\nreceivers:\n  - name: blackhole\n', tempDir(t, 'mcp-am-'))

const amAlerts = async (url: string) => (await (await fetch(`${url}/api/v2/alerts`)).json()) as Array<{ labels: Record<string, string>, annotations: Record<string, string>, status: { state: string }, endsAt: string, startsAt: string }>

t.test('Alertmanager shows the alert active, then resolved, through its own API', { skip: existsSync(BINARY) ? false : `${BINARY} is missing: apt-get install prometheus-alertmanager` }, async (t) => {
  const amUrl = await blackhole(t)
  const { app } = await build(t, {
    ...fast,
    channels: [{ id: 'am', type: 'alertmanager', url: amUrl }],
    alertRules: [{ id: 'shop', tags: ['shop'], channels: ['am'] }],
  })
  // the test send reaches it too
  const test = (await app.inject({ method: 'POST', url: '/notifications/channels/am/test', headers: adminHeaders })).json()
  t.match(test, { ok: true, statusCode: 200 })

  publishTransition(app, 'order', 'down', { tags: ['shop'], cause: 'status' })
  const firing = await waitFor(async () => (await amAlerts(amUrl)).find((a) => a.labels.service === 'order' && a.status.state === 'active'), { message: 'the alert active in Alertmanager', timeoutMs: 10_000 })
  t.match(firing.labels, { alertname: 'ServiceDown', severity: 'critical', rule: 'shop', source: 'mcp-server', service: 'order' })
  t.match(firing.annotations, { summary: 'order is down', description: /cause: status/ })
  t.ok(Date.parse(firing.endsAt) > Date.now(), 'still open')
  const alertId = firing.annotations.alert_id
  t.ok(alertId)

  publishTransition(app, 'order', 'up', { tags: ['shop'] })
  // resolved: Alertmanager drops it from the active list once endsAt has passed
  await waitFor(async () => {
    const list = await amAlerts(amUrl)
    const a = list.find((x) => x.labels.service === 'order')
    return !a || Date.parse(a.endsAt) <= Date.now()
  }, { message: 'the alert resolved in Alertmanager', timeoutMs: 10_000 })
  const log = await waitFor(async () => {
    const l = (await app.inject({ url: `/notifications/deliveries?alert=${alertId}`, headers: adminHeaders })).json()
    return l.length === 2 ? l : null
  }, { message: 'both deliveries logged' })
  t.same(log.map((d: any) => `${d.kind}:${d.outcome}:${d.statusCode}`), ['resolved:success:200', 'firing:success:200'])
})
