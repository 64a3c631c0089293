// Against a real Alertmanager (Debian package prometheus-alertmanager), started on a free port.
import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { build, adminHeaders, tempDir } from '../helper.js'
import { fast, publishTransition } from '../fixtures/notifier.js'
import { waitFor } from '../fixtures/wait.js'

const BINARY = '/usr/bin/prometheus-alertmanager'

async function freePort (): Promise<number> {
  const srv = createServer()
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const { port } = srv.address() as AddressInfo
  await new Promise((resolve) => srv.close(resolve))
  return port
}

async function startAlertmanager (t: { teardown (fn: () => unknown): void }): Promise<string> {
  const dir = tempDir(t, 'mcp-am-')
  const config = join(dir, 'alertmanager.yml')
  writeFileSync(config, 'route:\n  receiver: blackhole\n  group_wait: 1s\nreceivers:\n  - name: blackhole\n')
  const port = await freePort()
  const child = spawn(BINARY, [
    `--config.file=${config}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=', '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (c) => { stderr += c })
  t.teardown(() => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  }))
  const url = `http://127.0.0.1:${port}`
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`alertmanager exited: ${stderr}`)
    try { return (await fetch(`${url}/-/ready`)).ok } catch { return false }
  }, { message: 'alertmanager to be ready', timeoutMs: 10_000 })
  return url
}

const amAlerts = async (url: string) => (await (await fetch(`${url}/api/v2/alerts`)).json()) as Array<{ labels: Record<string, string>, annotations: Record<string, string>, status: { state: string }, endsAt: string, startsAt: string }>

t.test('Alertmanager shows the alert active, then resolved, through its own API', { skip: existsSync(BINARY) ? false : `${BINARY} is missing: apt-get install prometheus-alertmanager` }, async (t) => {
  const amUrl = await startAlertmanager(t)
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
