// The built-in services-down rule, and what a hub without any notification channel does with its alerts:
// recorded, listed by /alerts, streamed, logged at error level, and said plainly (delivery status, start-up log).
import t from 'tap'
import { Writable } from 'node:stream'
import { request } from 'undici'
import { buildApp, LEVEL_NAMES } from '../../src/app.js'
import { build, adminHeaders as h, adminAuth, tempDir, testConfig } from '../helper.js'
import { fast, publishTransition, receiver } from '../fixtures/notifier.js'
import { waitFor } from '../fixtures/wait.js'

/** A pino destination keeping every JSON line. */
function logLines () {
  const lines: any[] = []
  const stream = new Writable({ write (chunk, _enc, done) { for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l)); done() } })
  return { lines, stream }
}

const activeOf = async (app: any, ruleId: string) =>
  (await app.inject({ url: '/alerts?state=active', headers: h })).json().filter((a: any) => a.ruleId === ruleId)

t.test('every hub ships services-down: listed as built in, changeable and disable-able by PUT, never deleted', async (t) => {
  const dataDir = tempDir(t)
  const first = await build(t, fast, dataDir)
  const app = first.app
  const rules = (await app.inject({ url: '/notifications/rules', headers: h })).json()
  t.same(rules.map((r: any) => r.id), ['services-down'], 'a fresh hub has exactly the built-in rule')
  t.same(rules[0], { id: 'services-down', kind: 'aggregate', severities: ['critical'], channels: [], enabled: true, threshold: 0, source: 'builtin', builtIn: true })

  const del = await app.inject({ method: 'DELETE', url: '/notifications/rules/services-down', headers: h })
  t.equal(del.statusCode, 409)
  t.match(del.json().message, /built in.*enabled": false/)
  t.equal((await app.inject({ url: '/notifications/rules/services-down', headers: h })).statusCode, 200, 'still there')

  // critical while any service is down; a degraded one alone does not fire it
  publishTransition(app, 'cart', 'degraded')
  publishTransition(app, 'order', 'down')
  const [alert] = await waitFor(async () => { const a = await activeOf(app, 'services-down'); return a.length ? a : null }, { message: 'services-down firing' })
  t.match(alert, { service: null, services: ['order'], severity: 'critical', status: 'firing', channels: [] })

  // a bad PUT names the field and changes nothing
  const bad = await app.inject({ method: 'PUT', url: '/notifications/rules/services-down', headers: h, payload: { ...rules[0], enabled: 'no' } })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().message, /body\/enabled/)
  t.equal((await app.inject({ url: '/notifications/rules/services-down', headers: h })).json().enabled, true)

  // disabled (a body read back from GET is accepted as is): its firing alert resolves, nothing new fires
  const off = await app.inject({ method: 'PUT', url: '/notifications/rules/services-down', headers: h, payload: { ...rules[0], enabled: false } })
  t.equal(off.statusCode, 200)
  t.match(off.json(), { id: 'services-down', enabled: false, source: 'builtin', builtIn: true })
  await waitFor(async () => (await activeOf(app, 'services-down')).length === 0, { message: 'the alert resolved once the rule is disabled' })
  publishTransition(app, 'auth', 'down')
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.same(await activeOf(app, 'services-down'), [], 'a disabled rule raises nothing')
  await app.close()

  // the change is stored: a restart keeps it, still built in and still not deletable
  const second = await build(t, fast, dataDir)
  t.match((await second.app.inject({ url: '/notifications/rules/services-down', headers: h })).json(), { enabled: false, source: 'builtin', builtIn: true })
  const on = await second.app.inject({ method: 'PUT', url: '/notifications/rules/services-down', headers: h, payload: { kind: 'aggregate', severities: ['critical'] } })
  t.equal(on.statusCode, 200)
  t.match(on.json(), { enabled: true, channels: [] })
  t.equal((await second.app.inject({ method: 'DELETE', url: '/notifications/rules/services-down', headers: h })).statusCode, 409)
  publishTransition(second.app, 'auth', 'down')
  await waitFor(async () => (await activeOf(second.app, 'services-down')).length === 1, { message: 'firing again once enabled' })
})

t.test('with no channel: recorded, listed, streamed, logged at error level; delivery status and start-up log say so', async (t) => {
  const { lines, stream } = logLines()
  const app = await buildApp(testConfig(tempDir(t), { ...fast, healthScheduler: false }), { logger: { level: 'info', stream, formatters: LEVEL_NAMES } })
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })

  const startUp = lines.find((l) => /No notification channel is configured/.test(l.msg))
  t.ok(startUp, 'the start-up log says no channel delivers alerts')
  t.equal(startUp?.level, 'warn')

  const status = (await app.inject({ url: '/notifications/delivery-status', headers: h })).json()
  t.match(status, { delivering: false, channels: 0, enabledChannels: 0, undeliveredRules: ['services-down'], message: /No notification channel is configured: alerts are recorded/ })
  t.equal((await app.inject({ url: '/notifications/delivery-status' })).statusCode, 401, 'admin only')

  // the live stream, connected before the failure
  const res = await request(`${app.listeningOrigin}/stream`, { headers: { authorization: adminAuth } })
  t.equal(res.statusCode, 200)
  let streamed = ''
  res.body.setEncoding('utf8')
  res.body.on('data', (c: string) => { streamed += c })
  t.teardown(() => res.body.destroy())

  publishTransition(app, 'order', 'down', { cause: 'timeout' })
  const [alert] = await waitFor(async () => { const a = await activeOf(app, 'services-down'); return a.length ? a : null }, { message: 'the alert recorded' })
  t.match(alert, { severity: 'critical', services: ['order'], channels: [], firingSent: true })
  t.match((await app.inject({ url: `/alerts/${alert.id}`, headers: h })).json(), { id: alert.id, ruleId: 'services-down' }, 'stored')
  await waitFor(() => streamed.includes(alert.id), { message: 'the alert on /stream' })
  t.match(streamed, /"ruleId":"services-down"/)

  const logged = await waitFor(() => lines.find((l) => l.alert?.id === alert.id && /alert firing/.test(l.msg)), { message: 'the firing logged' })
  t.equal(logged.level, 'error', 'logged at error level')
  t.equal(logged.delivered, false)
  t.match(logged.msg, /no notification channel delivers it/)
  t.match(logged.alert, { ruleId: 'services-down', severity: 'critical', services: ['order'] })

  publishTransition(app, 'order', 'up')
  const resolved = await waitFor(() => lines.find((l) => l.alert?.id === alert.id && l.msg === 'alert resolved'), { message: 'the resolution logged' })
  t.equal(resolved.level, 'info')
})

t.test('delivery status follows channels and rules', async (t) => {
  const hook = await receiver(t)
  const { app } = await build(t, { ...fast, channels: [{ id: 'ops', type: 'webhook', url: hook.url }], alertRules: [{ id: 'shop', channels: ['ops'] }] })
  t.match((await app.inject({ url: '/notifications/delivery-status', headers: h })).json(),
    { delivering: true, channels: 1, enabledChannels: 1, undeliveredRules: ['services-down'], message: /services-down reach no enabled channel/ })
  // the built-in rule takes the channel: everything delivers
  const put = await app.inject({ method: 'PUT', url: '/notifications/rules/services-down', headers: h, payload: { kind: 'aggregate', severities: ['critical'], channels: ['ops'] } })
  t.equal(put.statusCode, 200)
  t.match((await app.inject({ url: '/notifications/delivery-status', headers: h })).json(), { delivering: true, undeliveredRules: [], message: /Every enabled alert rule delivers/ })
  publishTransition(app, 'order', 'down')
  await waitFor(() => hook.got.some((m) => m.body.alerts?.some((a: any) => a.rule === 'services-down')), { message: 'services-down delivered to the channel' })
  // a channel named by a rule is refused by a PUT of the rule when it does not exist
  const ghost = await app.inject({ method: 'PUT', url: '/notifications/rules/services-down', headers: h, payload: { kind: 'aggregate', channels: ['ghost'] } })
  t.equal(ghost.statusCode, 400)
  t.match(ghost.json().message, /body\/channels\/0: no channel "ghost"/)
})
