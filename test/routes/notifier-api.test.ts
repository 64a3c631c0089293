// The notifier's API surface: admin only, bad input answered 4xx naming the field and never stored.
import t from 'tap'
import { build, adminHeaders as h } from '../helper.js'
import { fast } from '../fixtures/notifier.js'

t.test('admin only, bad input named, nothing half-stored, config objects read-only', async (t) => {
  const { app } = await build(t, {
    ...fast,
    channels: [{ id: 'file-hook', type: 'webhook', url: 'http://127.0.0.1:9/x' }],
    alertRules: [{ id: 'file-rule', channels: ['file-hook'] }],
    maintenanceWindows: [{ id: 'file-window', weekdays: ['sun'], start: '01:00', end: '02:00' }],
  })
  for (const url of ['/alerts', '/notifications/channels', '/notifications/rules', '/notifications/deliveries', '/silences', '/maintenance']) {
    t.equal((await app.inject({ url })).statusCode, 401, `${url} needs an admin`)
  }
  const cases: Array<[string, string, unknown, RegExp]> = [
    ['POST', '/notifications/rules', { id: 'Bad Id', channels: ['file-hook'] }, /body\/id/],
    ['POST', '/notifications/rules', { id: 'r', channels: ['Not An Id'] }, /body\/channels/],
    ['POST', '/notifications/rules', { id: 'r', enabled: 'yes' }, /body\/enabled/],
    ['POST', '/notifications/rules', { id: 'r', channels: ['file-hook'], kind: 'sometimes' }, /body\/kind/],
    ['POST', '/notifications/rules', { id: 'r', channels: ['file-hook'], extra: 1 }, /extra|additional/],
    ['POST', '/notifications/channels', [1, 2], /body must be an object/],
    ['POST', '/notifications/channels', { id: 'w', type: 'webhook' }, /body\/url is required/],
    ['POST', '/notifications/channels', { id: 'w', type: 'webhook', url: 'http://x', bogus: true }, /body\/bogus is not a known field/],
    ['POST', '/notifications/channels', { id: 'e', type: 'email', host: 'h', from: 'a@b', to: ['x@y'], tls: 'maybe' }, /body\/tls must be one of implicit, starttls, none/],
    ['POST', '/silences', { services: ['x'], comment: 'c', endsAt: 'tomorrow' }, /endsAt/],
    ['POST', '/maintenance', { id: 'm', weekdays: ['someday'], start: '01:00', end: '02:00' }, /weekdays/],
    ['POST', '/maintenance', { id: 'm', weekdays: [], start: '01:00', end: '02:00' }, /weekdays/],
  ]
  for (const [method, url, payload, message] of cases) {
    const res = await app.inject({ method: method as 'POST', url, headers: h, payload: payload as object })
    t.equal(res.statusCode, 400, `${method} ${url} ${JSON.stringify(payload)}`)
    t.match(res.json().message, message)
  }
  t.equal((await app.inject({ url: '/alerts?state=bogus', headers: h })).statusCode, 400)
  t.equal((await app.inject({ url: '/notifications/deliveries?limit=0', headers: h })).statusCode, 400)
  t.same((await app.inject({ url: '/notifications/rules', headers: h })).json().map((r: any) => r.id), ['services-down', 'file-rule'], 'nothing stored (the built-in rule is always there)')
  t.same((await app.inject({ url: '/notifications/channels', headers: h })).json().map((r: any) => r.id), ['file-hook'])
  t.same((await app.inject({ url: '/silences', headers: h })).json(), [])

  // config objects: visible, read-only; their ids are taken
  t.equal((await app.inject({ method: 'PUT', url: '/notifications/rules/file-rule', headers: h, payload: { channels: ['file-hook'] } })).statusCode, 409)
  t.equal((await app.inject({ method: 'PUT', url: '/maintenance/file-window', headers: h, payload: { weekdays: ['mon'], start: '01:00', end: '02:00' } })).statusCode, 409)
  t.equal((await app.inject({ method: 'POST', url: '/notifications/rules', headers: h, payload: { id: 'file-rule', channels: ['file-hook'] } })).statusCode, 409)
  t.equal((await app.inject({ method: 'PUT', url: '/notifications/rules/nope', headers: h, payload: { channels: ['file-hook'] } })).statusCode, 404)
  t.match((await app.inject({ url: '/maintenance/file-window', headers: h })).json(), { source: 'config', timeZone: 'UTC' })

  // a rule read back from GET can be PUT as is
  const created = (await app.inject({ method: 'POST', url: '/notifications/rules', headers: h, payload: { id: 'mine', services: ['a'], channels: ['file-hook'] } })).json()
  const put = await app.inject({ method: 'PUT', url: '/notifications/rules/mine', headers: h, payload: { ...created, services: ['a', 'b'] } })
  t.equal(put.statusCode, 200, put.body)
  t.same(put.json().services, ['a', 'b'])
})

t.test('API objects survive a restart; a bad config section fails the start naming the entry', async (t) => {
  const first = await build(t, fast)
  await first.app.inject({ method: 'POST', url: '/notifications/channels', headers: h, payload: { id: 'keep', type: 'alertmanager', url: 'http://127.0.0.1:9/', bearerToken: 'tok-123' } })
  await first.app.inject({ method: 'POST', url: '/notifications/rules', headers: h, payload: { id: 'keep-rule', channels: ['keep'] } })
  await first.app.inject({ method: 'POST', url: '/maintenance', headers: h, payload: { id: 'keep-window', weekdays: ['sat'], start: '22:00', end: '02:00', timeZone: 'Asia/Tokyo' } })
  await first.app.inject({ method: 'POST', url: '/silences', headers: h, payload: { services: ['x'], comment: 'c', endsAt: new Date(Date.now() + 3_600_000).toISOString() } })
  await first.app.close()
  const second = await build(t, fast, first.dataDir)
  t.match((await second.app.inject({ url: '/notifications/channels/keep', headers: h })).json(), { bearerToken: '********', source: 'api' })
  t.equal((await second.app.inject({ url: '/notifications/rules/keep-rule', headers: h })).statusCode, 200)
  t.match((await second.app.inject({ url: '/maintenance/keep-window', headers: h })).json(), { timeZone: 'Asia/Tokyo' })
  t.equal((await second.app.inject({ url: '/silences', headers: h })).json().length, 1)
  t.equal(await second.app.notifier.silences.forgetEndedBefore(Date.now()), 0, 'retention keeps a silence still running')
  t.equal(await second.app.notifier.silences.forgetEndedBefore(Date.now() + 2 * 3_600_000), 1, 'and forgets it once it ended')
  t.same((await second.app.inject({ url: '/silences', headers: h })).json(), [])

  await t.rejects(build(t, { ...fast, alertRules: [{ id: 'r', channels: ['missing'] }] }), /alertRules\/0\/channels\/0: no channel "missing"/)
  await t.rejects(build(t, { ...fast, maintenanceWindows: [{ id: 'w', weekdays: ['mon'], start: '01:00', end: '02:00', timeZone: 'Nowhere/Land' }] }), /maintenanceWindows\/0\/timeZone/)
})
