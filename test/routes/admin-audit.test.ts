// The hub audits itself: admin changes to services are entries with the admin as actor.
import t from 'tap'
import { build, adminHeaders, ADMIN_USER } from '../helper.js'

t.test('service changes are audited with the admin as actor, refusals as failures', async (t) => {
  const { app } = await build(t, { healthScheduler: false })
  const def = { name: 'order', url: 'http://127.0.0.1:9/health', interval: 30_000, timeout: 1000 }
  t.equal((await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: def })).statusCode, 201)
  t.equal((await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: def })).statusCode, 409)
  t.equal((await app.inject({ method: 'PATCH', url: '/services/order', headers: adminHeaders, payload: { interval: 60_000 } })).statusCode, 200)
  t.equal((await app.inject({ method: 'DELETE', url: '/services/order', headers: adminHeaders })).statusCode, 204)
  const res = await app.inject({ url: '/audit?action=service.', headers: adminHeaders })
  t.equal(res.statusCode, 200)
  const entries = res.json().entries.reverse()
  t.same(entries.map((e: { action: string, outcome: string }) => [e.action, e.outcome]), [
    ['service.create', 'success'], ['service.create', 'failure'], ['service.update', 'success'], ['service.delete', 'success'],
  ])
  t.match(entries[0], { actor: { type: 'user', id: ADMIN_USER }, target: { type: 'service', id: 'order' } })
  t.match(entries[1].reason, /order/)
  t.same(entries[2].metadata, { fields: ['interval'] })
  const verify = await app.inject({ url: '/audit/verify', headers: adminHeaders })
  t.match(verify.json(), { ok: true })
})

t.test('notifier changes are audited: channels, rules, silences, maintenance', async (t) => {
  const { app } = await build(t, { healthScheduler: false })
  const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, headers: adminHeaders, payload })
  t.equal((await post('/notifications/channels', { id: 'hook', type: 'webhook', url: 'http://127.0.0.1:9/hook' })).statusCode, 201)
  t.equal((await post('/notifications/rules', { id: 'all', channels: ['hook'] })).statusCode, 201)
  t.equal((await post('/notifications/rules', { id: 'bad', channels: ['nope'] })).statusCode, 400)
  const silence = await post('/silences', { services: ['order'], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString(), comment: 'deploy' })
  t.equal(silence.statusCode, 201, silence.body)
  t.equal((await post('/maintenance', { id: 'nightly', weekdays: ['mon'], start: '01:00', end: '02:00', timeZone: 'UTC' })).statusCode, 201)
  t.equal((await app.inject({ method: 'DELETE', url: '/notifications/channels/hook', headers: adminHeaders })).statusCode, 409, 'a rule still uses it')
  const entries = (await app.inject({ url: '/audit?limit=100', headers: adminHeaders })).json().entries.reverse()
  t.same(entries.map((e: { action: string, outcome: string }) => `${e.action}:${e.outcome}`), [
    'channel.create:success', 'rule.create:success', 'rule.create:failure', 'silence.create:success', 'maintenance.create:success', 'channel.delete:failure',
  ])
})
