import t from 'tap'
import { build, adminHeaders } from '../helper.js'
import { fast, outboxDrained, publishTransition, receiver } from '../fixtures/notifier.js'
import { waitFor } from '../fixtures/wait.js'

t.test('20 services failing at once reach a channel as one message listing them all', async (t) => {
  const hook = await receiver(t)
  const { app } = await build(t, {
    ...fast,
    notifierGroupWindowMs: 200,
    channels: [{ id: 'ops', type: 'webhook', url: hook.url }],
    alertRules: [{ id: 'all', channels: ['ops'] }],
  })
  const names = Array.from({ length: 20 }, (_, i) => `svc-${String(i).padStart(2, '0')}`)
  const active = async () => (await app.inject({ url: '/alerts?state=active', headers: adminHeaders })).json().filter((a: any) => a.ruleId === 'all').length // the built-in services-down fires beside
  for (const name of names) publishTransition(app, name, 'down')
  await waitFor(() => hook.got.length >= 1, { message: 'the grouped message' })
  // all twenty alerts stored (with the notices they queue, in the same transaction) and nothing left to send
  await waitFor(async () => await active() === 20 && await outboxDrained(app), { message: 'twenty alerts stored and the outbox drained' })
  t.equal(hook.got.length, 1, 'one message, not twenty')
  const body = hook.got[0].body
  t.equal(body.kind, 'firing')
  t.same(body.alerts.map((a: any) => a.service).sort(), names)
  t.match(body.title, /20 firing/)

  // the recoveries group too
  for (const name of names) publishTransition(app, name, 'up')
  await waitFor(() => hook.got.length >= 2, { message: 'the grouped resolution' })
  await waitFor(async () => await active() === 0 && await outboxDrained(app), { message: 'every alert resolved and the outbox drained' })
  t.equal(hook.got.length, 2)
  t.equal(hook.got[1].body.kind, 'resolved')
  t.equal(hook.got[1].body.alerts.length, 20)
})

t.test('past the rate budget, one summary message replaces the rest', async (t) => {
  const hook = await receiver(t)
  const { app } = await build(t, {
    ...fast,
    notifierRateWindowMs: 1500,
    channels: [{ id: 'ops', type: 'webhook', url: hook.url, maxPerMinute: 2 }],
    alertRules: [{ id: 'all', channels: ['ops'] }],
  })
  const active = async () => (await app.inject({ url: '/alerts?state=active', headers: adminHeaders })).json().filter((a: any) => a.ruleId === 'all').length // the built-in services-down fires beside
  const started = Date.now()
  // each failure in a grouping window of its own: the first two are sent before the next one fails,
  // the others once the one before is stored; without the budget each would be its own message
  for (let i = 0; i < 6; i++) {
    publishTransition(app, `svc-${i}`, 'down')
    if (i < 2) await waitFor(() => hook.got.length === i + 1, { message: `the firing of svc-${i}` })
    else await waitFor(async () => await active() === i + 1, { message: `the alert of svc-${i} stored` })
  }
  await waitFor(() => hook.got.length >= 3, { message: 'the summary', timeoutMs: 5000 })
  await waitFor(() => outboxDrained(app), { message: 'the outbox to drain' })
  t.equal(hook.got.length, 3, 'two within the budget, then one summary')
  t.same(hook.got.slice(0, 2).map((m) => m.body.kind), ['firing', 'firing'])
  t.same(hook.got.slice(0, 2).map((m) => m.body.alerts.map((a: any) => a.service)), [['svc-0'], ['svc-1']], 'one message per failure while within the budget')
  const summary = hook.got[2].body
  t.equal(summary.kind, 'summary')
  const all = hook.got.flatMap((m) => m.body.alerts.map((a: any) => a.service)).sort()
  t.same(all, ['svc-0', 'svc-1', 'svc-2', 'svc-3', 'svc-4', 'svc-5'], 'every failure sent once')
  t.same(summary.alerts.map((a: any) => a.service).sort(), ['svc-2', 'svc-3', 'svc-4', 'svc-5'], 'the summary holds the rest')
  t.match(summary.title, /rate budget/)
  t.ok(hook.got[2].at - started >= 1400, 'the summary waits for the budget window to open')
  const opened = Date.parse(summary.createdAt) - Date.parse(hook.got[0].body.createdAt)
  t.ok(opened >= 1500, `the summary is made once the first message left the 1500 ms window (${opened} ms after it)`)
  const alerts = (await app.inject({ url: '/alerts?state=active', headers: adminHeaders })).json().filter((a: any) => a.ruleId === 'all')
  t.equal(alerts.length, 6)
  t.ok(alerts.every((a: any) => a.firingSent && a.status === 'firing'))
})
