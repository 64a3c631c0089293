import t from 'tap'
import { build, adminHeaders } from '../helper.js'
import { fast, outboxDrained, publishTransition, receiver } from '../fixtures/notifier.js'
import { waitFor } from '../fixtures/wait.js'
import { WEEKDAYS } from '../../src/schemas/notifier.js'

const h = adminHeaders
/** The alert of `service` once stored, if `ok` holds for it (for waitFor). */
const storedAlert = (app: { inject: Function }, service: string, ok: (a: any) => boolean = () => true) => async () => {
  const a = (await app.inject({ url: `/alerts?service=${service}`, headers: h })).json()[0]
  return a && ok(a) ? a : null
}
const services = (got: Array<{ body: any }>, kind?: string) =>
  got.filter((m) => !kind || m.body.kind === kind).flatMap((m) => m.body.alerts.map((a: any) => `${a.notice}:${a.service}`)).sort()

t.test('a service whose dependency is down is suppressed, not sent; a resolution goes out for every firing sent', async (t) => {
  const hook = await receiver(t)
  const { app } = await build(t, {
    ...fast,
    channels: [{ id: 'ops', type: 'webhook', url: hook.url }],
    alertRules: [{ id: 'all', channels: ['ops'] }],
  })
  // api fails first: its firing is sent
  publishTransition(app, 'api', 'down', { dependsOn: ['db'] })
  await waitFor(() => hook.got.length === 1, { message: 'api firing' })
  // then the database: db fires; cart (depends on db) fails after it and is suppressed
  publishTransition(app, 'db', 'down')
  publishTransition(app, 'cart', 'down', { dependsOn: ['db'] })
  await waitFor(() => hook.got.length === 2, { message: 'db firing' })
  // cart's alert stored as suppressed and nothing left to send: cart cannot be sent later
  await waitFor(storedAlert(app, 'cart'), { message: "cart's alert stored" })
  await waitFor(() => outboxDrained(app), { message: 'the outbox to drain' })
  t.same(services(hook.got), ['firing:api', 'firing:db'], 'cart is not sent')

  const active = (await app.inject({ url: '/alerts?state=active', headers: h })).json()
  const byService = Object.fromEntries(active.map((a: any) => [a.service, a]))
  t.match(byService.cart, { status: 'suppressed', suppressedBy: 'dependency', firingSent: false })
  t.match(byService.api, { status: 'suppressed', suppressedBy: 'dependency', firingSent: true }, 'api, already sent, now reads as suppressed too')
  t.match(byService.db, { status: 'firing', suppressedBy: null })

  // api and cart recover while db is still down: api's resolution is sent (its firing was), cart's is not
  publishTransition(app, 'api', 'up', { dependsOn: ['db'] })
  publishTransition(app, 'cart', 'up', { dependsOn: ['db'] })
  await waitFor(() => hook.got.length === 3, { message: 'api resolution' })
  await waitFor(storedAlert(app, 'cart', (a) => a.status === 'resolved'), { message: "cart's alert resolved" })
  await waitFor(() => outboxDrained(app), { message: 'the outbox to drain' })
  t.same(services(hook.got, 'resolved'), ['resolved:api'])
  publishTransition(app, 'db', 'up')
  await waitFor(() => hook.got.length === 4, { message: 'db resolution' })
  await waitFor(() => outboxDrained(app), { message: 'the outbox to drain' })
  t.same(services(hook.got), ['firing:api', 'firing:db', 'resolved:api', 'resolved:db'])
  const cart = (await app.inject({ url: '/alerts?service=cart', headers: h })).json()[0]
  t.match(cart, { status: 'resolved', firingSent: false })
})

t.test('a service still down when its dependency recovers is sent then', async (t) => {
  const hook = await receiver(t)
  const { app } = await build(t, { ...fast, channels: [{ id: 'ops', type: 'webhook', url: hook.url }], alertRules: [{ id: 'all', channels: ['ops'] }] })
  publishTransition(app, 'db', 'down')
  publishTransition(app, 'order', 'down', { dependsOn: ['db'] })
  await waitFor(() => hook.got.length === 1, { message: 'db firing' })
  publishTransition(app, 'db', 'up')
  await waitFor(() => services(hook.got).includes('firing:order'), { message: 'order firing once db is back' })
  t.same(services(hook.got), ['firing:db', 'firing:order', 'resolved:db'])
})

t.test('silences: nothing is sent while silenced, the alert reads as silenced; CRUD and validation', async (t) => {
  const hook = await receiver(t)
  const { app } = await build(t, { ...fast, channels: [{ id: 'ops', type: 'webhook', url: hook.url }], alertRules: [{ id: 'all', channels: ['ops'] }] })
  const bad = await app.inject({ method: 'POST', url: '/silences', headers: h, payload: { comment: 'x', endsAt: new Date(Date.now() + 60_000).toISOString() } })
  t.match(bad.json(), { statusCode: 400, message: /services or body\/tags/ })
  const backwards = await app.inject({ method: 'POST', url: '/silences', headers: h, payload: { tags: ['x'], comment: 'x', endsAt: new Date(Date.now() - 60_000).toISOString() } })
  t.match(backwards.json(), { statusCode: 400, message: /body\/endsAt/ })
  const noComment = await app.inject({ method: 'POST', url: '/silences', headers: h, payload: { tags: ['x'], endsAt: new Date(Date.now() + 60_000).toISOString() } })
  t.match(noComment.json(), { statusCode: 400, message: /comment/ })

  const created = await app.inject({ method: 'POST', url: '/silences', headers: h, payload: { tags: ['batch'], comment: 'reindexing', endsAt: new Date(Date.now() + 60_000).toISOString() } })
  t.equal(created.statusCode, 201)
  const silence = created.json()
  t.match(silence, { author: 'admin', tags: ['batch'], active: true, comment: 'reindexing' })

  publishTransition(app, 'indexer', 'down', { tags: ['batch'] })
  publishTransition(app, 'auth', 'down', { tags: ['core'] })
  await waitFor(() => hook.got.length === 1, { message: 'auth firing' })
  await waitFor(storedAlert(app, 'indexer'), { message: "indexer's alert stored" })
  await waitFor(() => outboxDrained(app), { message: 'the outbox to drain' })
  t.same(services(hook.got), ['firing:auth'])
  const indexer = (await app.inject({ url: '/alerts?service=indexer', headers: h })).json()[0]
  t.match(indexer, { status: 'silenced', suppressedBy: 'silence', firingSent: false })

  // ending the silence early while the service is still down: the firing goes out now
  const ended = await app.inject({ method: 'PUT', url: `/silences/${silence.id}`, headers: h, payload: { tags: ['batch'], comment: 'done early', startsAt: silence.startsAt, endsAt: new Date(Date.now() + 1).toISOString() } })
  t.equal(ended.statusCode, 200, ended.body)
  await waitFor(() => services(hook.got).includes('firing:indexer'), { message: 'indexer firing after the silence' })
  t.equal((await app.inject({ url: `/silences/${silence.id}`, headers: h })).json().active, false)
  t.equal((await app.inject({ method: 'DELETE', url: `/silences/${silence.id}`, headers: h })).statusCode, 204)
  t.same((await app.inject({ url: '/silences', headers: h })).json(), [])
  t.equal((await app.inject({ url: '/silences/nope', headers: h })).statusCode, 404)
})

t.test('maintenance windows: nothing is sent and the state reads maintenance; inMaintenance answers for health', async (t) => {
  const hook = await receiver(t)
  const everyDay = { weekdays: [...WEEKDAYS], start: '00:00', end: '00:00', timeZone: 'Pacific/Auckland' } // all day, every day
  const { app } = await build(t, {
    ...fast,
    channels: [{ id: 'ops', type: 'webhook', url: hook.url }],
    alertRules: [{ id: 'all', channels: ['ops'] }],
    maintenanceWindows: [{ id: 'nightly', services: ['backup'], ...everyDay }],
  })
  t.equal(app.notifier.inMaintenance('backup', Date.now()), true)
  t.equal(app.notifier.inMaintenance('order', new Date()), false)

  const badTz = await app.inject({ method: 'POST', url: '/maintenance', headers: h, payload: { id: 'x', weekdays: ['mon'], start: '01:00', end: '02:00', timeZone: 'Mars/Olympus' } })
  t.match(badTz.json(), { statusCode: 400, message: /body\/timeZone "Mars\/Olympus" is not an IANA time zone/ })
  const badTime = await app.inject({ method: 'POST', url: '/maintenance', headers: h, payload: { id: 'x', weekdays: ['mon'], start: '25:00', end: '02:00' } })
  t.match(badTime.json(), { statusCode: 400, message: /start/ })
  const created = await app.inject({ method: 'POST', url: '/maintenance', headers: h, payload: { id: 'deploys', tags: ['deploying'], ...everyDay, timeZone: 'Europe/Madrid' } })
  t.equal(created.statusCode, 201, created.body)
  t.match(created.json(), { source: 'api', active: true })
  t.equal((await app.inject({ method: 'DELETE', url: '/maintenance/nightly', headers: h })).statusCode, 409, 'config windows are read-only')

  publishTransition(app, 'backup', 'down')
  publishTransition(app, 'search', 'down', { tags: ['deploying'] })
  publishTransition(app, 'order', 'down')
  await waitFor(() => hook.got.length === 1, { message: 'order firing' })
  await waitFor(async () => await storedAlert(app, 'backup')() && await storedAlert(app, 'search')(), { message: 'the alerts of backup and search stored' })
  await waitFor(() => outboxDrained(app), { message: 'the outbox to drain' })
  t.same(services(hook.got), ['firing:order'])
  const active = (await app.inject({ url: '/alerts?state=active', headers: h })).json()
  t.same(active.filter((a: any) => a.status === 'maintenance').map((a: any) => a.service).sort(), ['backup', 'search'])
  t.equal(app.notifier.inMaintenance('search'), true, 'tags learnt from transitions')

  // the window removed while search is still down: its alert is sent
  t.equal((await app.inject({ method: 'DELETE', url: '/maintenance/deploys', headers: h })).statusCode, 204)
  await waitFor(() => services(hook.got).includes('firing:search'), { message: 'search firing after the window' })
  t.same((await app.inject({ url: '/maintenance', headers: h })).json().map((w: any) => w.id), ['nightly'])
})

t.test('acknowledgement stops reminders, records who and why; the resolution is still sent', async (t) => {
  const hook = await receiver(t)
  // a control alert on its own channel, never acknowledged: its reminders show the reviews going on
  const control = await receiver(t)
  const { app } = await build(t, {
    ...fast,
    notifierGroupWindowMs: 0,
    channels: [{ id: 'ops', type: 'webhook', url: hook.url }, { id: 'control', type: 'webhook', url: control.url }],
    alertRules: [{ id: 'all', services: ['payments'], channels: ['ops'], repeatIntervalMs: 100 }, { id: 'ctl', services: ['ledger'], channels: ['control'], repeatIntervalMs: 100 }],
  })
  publishTransition(app, 'ledger', 'down')
  publishTransition(app, 'payments', 'down')
  await waitFor(() => hook.got.filter((m) => m.body.kind === 'reminder').length >= 2, { message: 'two reminders' })
  const alertId = hook.got[0].body.alerts[0].id
  const ack = await app.inject({ method: 'POST', url: `/alerts/${alertId}/ack`, headers: h, payload: { comment: 'on it' } })
  t.equal(ack.statusCode, 200)
  t.match(ack.json(), { status: 'acknowledged', acknowledged: { by: 'admin', comment: 'on it' } })
  // a reminder queued before the acknowledgement may still land: the outbox drains first
  await waitFor(() => outboxDrained(app), { message: 'the outbox to drain' })
  const count = hook.got.length
  // the reviews go on: three more reminders of the control alert take at least 200 ms of them
  const controlCount = control.got.length
  await waitFor(() => control.got.length >= controlCount + 3, { message: 'three more reminders of the control alert' })
  t.equal(hook.got.length, count, 'no reminder after the acknowledgement')
  t.ok((await app.inject({ url: `/alerts/${alertId}`, headers: h })).json().reminders >= 2)

  publishTransition(app, 'payments', 'up')
  await waitFor(() => hook.got.some((m) => m.body.kind === 'resolved'), { message: 'the resolution' })
  t.match(hook.got.at(-1)!.body.alerts[0], { notice: 'resolved', acknowledged: { by: 'admin' } })
  t.equal((await app.inject({ method: 'POST', url: `/alerts/${alertId}/ack`, headers: h })).statusCode, 409, 'a resolved alert cannot be acknowledged')
  t.equal((await app.inject({ method: 'POST', url: '/alerts/nope/ack', headers: h })).statusCode, 404)
})

t.test('the aggregate rule fires while any service is unhealthy and resolves when none is', async (t) => {
  const hook = await receiver(t)
  const changes: string[] = []
  const { app } = await build(t, {
    ...fast,
    channels: [{ id: 'ops', type: 'webhook', url: hook.url }],
    alertRules: [{ id: 'fleet', kind: 'aggregate', channels: ['ops'] }],
  })
  app.bus.subscribe('alert.changed', (c) => changes.push(`${c.status}:${c.notice ?? '-'}`))
  publishTransition(app, 'a', 'degraded')
  publishTransition(app, 'b', 'down')
  await waitFor(() => hook.got.length === 1, { message: 'fleet firing' })
  t.match(hook.got[0].body.alerts[0], { service: null, notice: 'firing', rule: 'fleet' })
  // the alert may have fired on a first unhealthy service; it then counts both
  const alert = await waitFor(async () => {
    // the built-in services-down rule fires beside it
    const a = (await app.inject({ url: '/alerts?state=active', headers: h })).json().find((x: any) => x.ruleId === 'fleet')
    return a?.services.length === 2 ? a : null
  }, { message: 'the aggregate alert counting both services' })
  t.match(alert, { service: null, services: ['a', 'b'], severity: 'critical' })
  publishTransition(app, 'a', 'up')
  publishTransition(app, 'b', 'up')
  await waitFor(() => hook.got.length === 2, { message: 'fleet resolved' })
  t.equal(hook.got[1].body.kind, 'resolved')
  t.equal(changes[0], 'firing:firing')
  t.equal(changes.at(-1), 'resolved:resolved', 'alert.changed is published on the bus')
})
