import t from 'tap'
import { createHmac } from 'node:crypto'
import { build, adminHeaders, tempDir } from '../helper.js'
import { fast, outboxDrained, publishTransition, receiver } from '../fixtures/notifier.js'
import { waitFor } from '../fixtures/wait.js'

const SECRET = 'webhook-secret-0123456789'

const verify = (headers: Record<string, unknown>, raw: string) =>
  headers['x-mcp-signature'] === 'sha256=' + createHmac('sha256', SECRET).update(`${headers['x-mcp-timestamp']}.${raw}`).digest('hex')

t.test('a webhook that fails its first attempts gets the alert once, signed, after retries; every attempt is logged', async (t) => {
  const hook = await receiver(t, (n) => n < 2 ? 503 : 200)
  const { app } = await build(t, {
    ...fast,
    channels: [{ id: 'ops', type: 'webhook', url: hook.url, secret: SECRET }],
    alertRules: [{ id: 'all', channels: ['ops'] }],
  })
  publishTransition(app, 'order', 'down')
  await waitFor(() => hook.got.length === 1, { message: 'the firing webhook' })
  const msg = hook.got[0]
  t.ok(verify(msg.headers, msg.raw), 'HMAC-SHA256 signature over timestamp.body verifies with the channel secret')
  t.match(msg.body, { version: 1, kind: 'firing', channel: 'ops', alerts: [{ notice: 'firing', service: 'order', severity: 'critical', cause: 'timeout', status: 'firing' }] })
  t.equal(msg.headers['x-mcp-delivery'], msg.body.id, 'the delivery header carries the message id receivers dedupe on')
  t.equal(hook.attempts(), 3, 'two failures, then the success')

  // nothing is left to send once the outbox has drained: a message sent again after its success would still be pending
  await waitFor(() => outboxDrained(app), { message: 'the outbox to drain' })
  t.equal(hook.got.length, 1, 'arrives once: nothing is sent after the success')
  const alertId = msg.body.alerts[0].id
  const log = (await app.inject({ url: `/notifications/deliveries?alert=${alertId}&channel=ops`, headers: adminHeaders })).json()
  t.same(log.map((d: any) => d.outcome).reverse(), ['failure', 'failure', 'success'])
  t.same(log.map((d: any) => d.attempt).reverse(), [1, 2, 3])
  t.equal(log[2].statusCode, 503)
  t.match(log[2].error, /HTTP 503/)
  const gap1 = Date.parse(log[1].at) - Date.parse(log[2].at)
  const gap2 = Date.parse(log[0].at) - Date.parse(log[1].at)
  t.ok(gap1 >= 40 && gap2 >= 80, `backoff grows: ${gap1} ms then ${gap2} ms`)
  t.same((await app.inject({ url: '/notifications/deliveries?channel=nope', headers: adminHeaders })).json(), [])

  // recovery sends the resolution, signed too
  publishTransition(app, 'order', 'up')
  await waitFor(() => hook.got.length === 2, { message: 'the resolution' })
  t.match(hook.got[1].body, { kind: 'resolved', alerts: [{ id: alertId, notice: 'resolved', status: 'resolved' }] })
  t.ok(verify(hook.got[1].headers, hook.got[1].raw))
  const alert = (await app.inject({ url: `/alerts/${alertId}`, headers: adminHeaders })).json()
  t.match(alert, { status: 'resolved', firingSent: true })

  // the attempt is counted once its record is stored, just after the receiver answered
  const stats = await waitFor(async () => {
    const st = await app.notifier.stats()
    return st.pendingMessages === 0 && st.deliveries.some((d) => d.outcome === 'success' && d.count === 2) ? st : null
  }, { message: 'the stats' })
  t.same(stats.deliveries.filter((d) => d.channel === 'ops').sort((a, b) => a.outcome.localeCompare(b.outcome)),
    [{ channel: 'ops', outcome: 'failure', count: 2 }, { channel: 'ops', outcome: 'success', count: 2 }])
  t.equal(stats.pendingMessages, 0)
})

t.test('a notification pending retries survives a restart and is sent after it', async (t) => {
  let accept = false
  const hook = await receiver(t, () => accept ? 200 : 500)
  const dataDir = tempDir(t)
  const overrides = {
    ...fast,
    notifierRetryBaseMs: 300,
    notifierRetryMaxDelayMs: 300,
    channels: [{ id: 'ops', type: 'webhook' as const, url: hook.url, secret: SECRET }],
    alertRules: [{ id: 'all', channels: ['ops'] }],
  }
  const first = await build(t, overrides, dataDir)
  publishTransition(first.app, 'cart', 'down')
  await waitFor(() => hook.attempts() >= 1, { message: 'the first failed attempt' })
  await first.app.close()
  const attemptsBefore = hook.attempts()
  accept = true

  const second = await build(t, overrides, dataDir)
  await waitFor(() => hook.got.length === 1, { message: 'the message after the restart' })
  t.ok(hook.attempts() > attemptsBefore, 'sent by the new instance')
  t.match(hook.got[0].body, { kind: 'firing', alerts: [{ service: 'cart' }] })
  t.ok(verify(hook.got[0].headers, hook.got[0].raw))
  const log = await waitFor(async () => {
    const l = (await second.app.inject({ url: '/notifications/deliveries?channel=ops', headers: adminHeaders })).json()
    return l[0]?.outcome === 'success' ? l : null
  }, { message: 'the success in the log' })
  t.equal(log.length, attemptsBefore + 1, `every attempt is logged: ${attemptsBefore} of the first instance, then the success`)
  t.same(log.slice(1).map((d: any) => d.outcome), Array(attemptsBefore).fill('failure'), 'failed attempts of the first instance are in the log')
  // the notifier's view of states survived too: recovery resolves the alert opened before the restart
  publishTransition(second.app, 'cart', 'up')
  await waitFor(() => hook.got.length === 2, { message: 'the resolution after the restart' })
  t.equal(hook.got[1].body.alerts[0].id, hook.got[0].body.alerts[0].id)
})

t.test('a message past its maximum age is given up and logged as expired', async (t) => {
  const hook = await receiver(t, () => 500)
  const { app } = await build(t, {
    ...fast,
    notifierMaxAgeMs: 400,
    channels: [{ id: 'dead', type: 'webhook', url: hook.url }],
    alertRules: [{ id: 'all', channels: ['dead'] }],
  })
  publishTransition(app, 'wishlist', 'down')
  const log = await waitFor(async () => {
    const l = (await app.inject({ url: '/notifications/deliveries?channel=dead', headers: adminHeaders })).json()
    return l.length && l[0].outcome === 'expired' ? l : null
  }, { message: 'the expired outcome' })
  const n = hook.attempts()
  // an expired message is no longer pending: with the outbox drained nothing is left to attempt
  await waitFor(() => outboxDrained(app), { message: 'the outbox to drain' })
  t.equal(hook.attempts(), n, 'no attempt after expiry')
  t.ok(log.length >= 2)
})

t.test('channels: CRUD, masked secrets kept on update, test send, config ones read-only, field-naming errors', async (t) => {
  const hook = await receiver(t)
  const { app } = await build(t, { ...fast, channels: [{ id: 'from-file', type: 'slack', url: hook.url + '/T000/B000/secrettoken' }] })
  const h = adminHeaders

  t.equal((await app.inject({ url: '/notifications/channels' })).statusCode, 401, 'admin only')
  const bad = await app.inject({ method: 'POST', url: '/notifications/channels', headers: h, payload: { id: 'x', type: 'webhook', url: 'ftp://nope' } })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().message, /body\/url/)
  const badType = await app.inject({ method: 'POST', url: '/notifications/channels', headers: h, payload: { id: 'x', type: 'pager' } })
  t.match(badType.json(), { statusCode: 400, message: /body\/type must be one of webhook, slack, alertmanager, email/ })
  const meta = await app.inject({ method: 'POST', url: '/notifications/channels', headers: h, payload: { id: 'x', type: 'webhook', url: 'http://169.254.169.254/latest' } })
  t.match(meta.json(), { statusCode: 400, message: /metadata/ })
  const badEmail = await app.inject({ method: 'POST', url: '/notifications/channels', headers: h, payload: { id: 'm', type: 'email', host: 'x', from: 'a@b', to: ['not-an-address'] } })
  t.match(badEmail.json(), { statusCode: 400, message: /body\/to\/0/ })

  const created = await app.inject({ method: 'POST', url: '/notifications/channels', headers: h, payload: { id: 'hook', type: 'webhook', url: hook.url, secret: SECRET, headers: { authorization: 'Bearer abc' } } })
  t.equal(created.statusCode, 201)
  t.match(created.json(), { id: 'hook', secret: '********', headers: { authorization: '********' }, source: 'api', enabled: true })
  t.notMatch(JSON.stringify(created.json()), /webhook-secret|Bearer abc/, 'secrets are never read back')
  t.equal((await app.inject({ method: 'POST', url: '/notifications/channels', headers: h, payload: { id: 'hook', type: 'webhook', url: hook.url } })).statusCode, 409)

  // update with the masked value keeps the stored secret: the test message is still signed with it
  const updated = await app.inject({ method: 'PUT', url: '/notifications/channels/hook', headers: h, payload: { ...created.json<Record<string, unknown>>(), name: 'Ops hook' } })
  t.equal(updated.statusCode, 200, updated.body)
  const test = await app.inject({ method: 'POST', url: '/notifications/channels/hook/test', headers: h })
  t.match(test.json(), { ok: true, statusCode: 200, error: null })
  const sent = hook.got.at(-1)!
  t.match(sent.body, { version: 1, kind: 'test', channel: 'hook', alerts: [] })
  t.equal(sent.headers.authorization, 'Bearer abc', 'masked header value kept')
  t.ok(verify(sent.headers, sent.raw), 'signed with the secret stored before the update')
  const log = (await app.inject({ url: '/notifications/deliveries?channel=hook', headers: h })).json()
  t.match(log[0], { kind: 'test', outcome: 'success', messageId: test.json().messageId })

  // the file's Slack channel: URL masked, read-only, test send works
  const fromFile = (await app.inject({ url: '/notifications/channels/from-file', headers: h })).json()
  t.match(fromFile, { source: 'config', url: /^http:\/\/127\.0\.0\.1:\d+\/\*{8}$/ })
  t.equal((await app.inject({ method: 'DELETE', url: '/notifications/channels/from-file', headers: h })).statusCode, 409)
  const slackTest = (await app.inject({ method: 'POST', url: '/notifications/channels/from-file/test', headers: h })).json()
  t.equal(slackTest.ok, true)
  t.match(hook.got.at(-1)!.body, { text: /test message/ })

  // a failing test send answers with the failure
  const down = await app.inject({ method: 'POST', url: '/notifications/channels', headers: h, payload: { id: 'down', type: 'webhook', url: 'http://127.0.0.1:1/x' } })
  t.equal(down.statusCode, 201)
  const failed = (await app.inject({ method: 'POST', url: '/notifications/channels/down/test', headers: h })).json()
  t.match(failed, { ok: false, statusCode: null, error: /ECONNREFUSED/ })

  // rules referencing channels; a used channel cannot be deleted
  const rule = await app.inject({ method: 'POST', url: '/notifications/rules', headers: h, payload: { id: 'r1', tags: ['shop'], channels: ['hook'] } })
  t.equal(rule.statusCode, 201, rule.body)
  t.match(rule.json(), { kind: 'service', severities: ['critical', 'warning'] })
  const badRule = await app.inject({ method: 'POST', url: '/notifications/rules', headers: h, payload: { id: 'r2', channels: ['ghost'] } })
  t.match(badRule.json(), { statusCode: 400, message: /body\/channels\/0: no channel "ghost"/ })
  const badSeverity = await app.inject({ method: 'POST', url: '/notifications/rules', headers: h, payload: { id: 'r3', channels: ['hook'], severities: ['fatal'] } })
  t.equal(badSeverity.statusCode, 400)
  t.match(badSeverity.json().message, /severities/)
  t.equal((await app.inject({ method: 'DELETE', url: '/notifications/channels/hook', headers: h })).statusCode, 409)
  t.equal((await app.inject({ method: 'DELETE', url: '/notifications/rules/r1', headers: h })).statusCode, 204)
  t.equal((await app.inject({ method: 'DELETE', url: '/notifications/channels/hook', headers: h })).statusCode, 204)
  t.equal((await app.inject({ url: '/notifications/channels/hook', headers: h })).statusCode, 404)
})

t.test('a template shapes the webhook body; the signature covers the rendered body', async (t) => {
  const hook = await receiver(t)
  const { app } = await build(t, {
    ...fast,
    channels: [{ id: 'tpl', type: 'webhook', url: hook.url, secret: SECRET, template: '{"msg": {{json title}}, "n": {{alerts.length}}, "first": {{json alerts.0.service}}}' }],
    alertRules: [{ id: 'all', channels: ['tpl'] }],
  })
  publishTransition(app, 'auth', 'degraded', { cause: 'latency' })
  await waitFor(() => hook.got.length === 1, { message: 'the templated message' })
  t.same(hook.got[0].body, { msg: '[FIRING] 1 firing', n: 1, first: 'auth' })
  t.ok(verify(hook.got[0].headers, hook.got[0].raw))
})

t.test('a resolution never overtakes its firing while the firing is being retried', async (t) => {
  const hook = await receiver(t, (n) => n < 3 ? 502 : 200)
  const { app } = await build(t, {
    ...fast,
    channels: [{ id: 'ops', type: 'webhook', url: hook.url }],
    alertRules: [{ id: 'all', channels: ['ops'] }],
  })
  publishTransition(app, 'order', 'down')
  await waitFor(() => hook.attempts() >= 1, { message: 'the first failed attempt' })
  publishTransition(app, 'order', 'up')
  await waitFor(() => hook.got.length === 2, { message: 'both messages' })
  t.same(hook.got.map((m) => m.body.kind), ['firing', 'resolved'])
  await waitFor(() => outboxDrained(app), { message: 'the outbox to drain' })
  t.equal(hook.got.length, 2, 'each once')
})
