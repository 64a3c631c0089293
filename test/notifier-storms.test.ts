import t from 'tap'
import { build, adminHeaders } from './helper.js'
import { fast, publishTransition, receiver, sleep, waitFor } from './fixtures/notifier.js'

t.test('20 services failing at once reach a channel as one message listing them all', async (t) => {
  const hook = await receiver(t)
  const { app } = await build(t, {
    ...fast,
    notifierGroupWindowMs: 200,
    channels: [{ id: 'ops', type: 'webhook', url: hook.url }],
    alertRules: [{ id: 'all', channels: ['ops'] }],
  })
  const names = Array.from({ length: 20 }, (_, i) => `svc-${String(i).padStart(2, '0')}`)
  for (const name of names) publishTransition(app, name, 'down')
  await waitFor(() => hook.got.length >= 1, 'the grouped message')
  await sleep(300)
  t.equal(hook.got.length, 1, 'one message, not twenty')
  const body = hook.got[0].body
  t.equal(body.kind, 'firing')
  t.same(body.alerts.map((a: any) => a.service).sort(), names)
  t.match(body.title, /20 firing/)

  // the recoveries group too
  for (const name of names) publishTransition(app, name, 'up')
  await waitFor(() => hook.got.length >= 2, 'the grouped resolution')
  await sleep(300)
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
  const started = Date.now()
  // each failure more than a grouping window apart: without the budget each would be its own message
  for (let i = 0; i < 6; i++) {
    publishTransition(app, `svc-${i}`, 'down')
    await sleep(80)
  }
  await waitFor(() => hook.got.length >= 3, 'the summary', 5000)
  await sleep(300)
  t.equal(hook.got.length, 3, 'two within the budget, then one summary')
  t.same(hook.got.slice(0, 2).map((m) => m.body.kind), ['firing', 'firing'])
  const summary = hook.got[2].body
  t.equal(summary.kind, 'summary')
  // (on a loaded machine two failures may share a grouping window; each service is still sent exactly once)
  const all = hook.got.flatMap((m) => m.body.alerts.map((a: any) => a.service)).sort()
  t.same(all, ['svc-0', 'svc-1', 'svc-2', 'svc-3', 'svc-4', 'svc-5'], 'every failure sent once')
  t.ok(summary.alerts.length >= 2, `the summary holds the rest (${summary.alerts.length})`)
  t.match(summary.title, /rate budget/)
  t.ok(hook.got[2].at - started >= 1400, 'the summary waits for the budget window to open')
  const alerts = (await app.inject({ url: '/alerts?state=active', headers: adminHeaders })).json()
  t.equal(alerts.length, 6)
  t.ok(alerts.every((a: any) => a.firingSent && a.status === 'firing'))
})
