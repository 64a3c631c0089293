// The notifier's pure core, without a server: alert state machine, retry schedule, rate budget,
// maintenance window math, payload rendering.
import t from 'tap'
import { createHmac } from 'node:crypto'
import {
  acknowledgeAlert, alertStatus, changeSeverity, matchesService, openAlert, resolveAlert, reviewAlert, severityOf, type OpenInput,
} from '../../../src/domain/notifier/alert-machine.js'
import { afterFailure, budgetOpensAt, retryDelay } from '../../../src/domain/notifier/outbox-rules.js'
import { isTimeZone, localTime, windowOpen } from '../../../src/domain/notifier/maintenance-windows.js'
import { buildPayload, groupKind, renderTemplate, signBody, snapshot } from '../../../src/domain/notifier/notification.js'
import { loadConfig } from '../../../src/config.js'

const base: OpenInput = { id: 'a1', ruleId: 'r', service: 'api', services: ['api'], severity: 'critical', cause: 'timeout', incidentId: null, channels: ['c'], suppressedBy: null, now: 1000 }

t.test('alert machine: fire, remind, acknowledge, resolve', async (t) => {
  t.equal(severityOf('down'), 'critical')
  t.equal(severityOf('degraded'), 'warning')
  t.equal(severityOf('up'), null)
  t.equal(severityOf('paused'), null)

  const fired = openAlert(base)
  t.equal(fired.notice, 'firing')
  t.match(fired.alert, { state: 'firing', firingSent: true, lastNotifiedAt: 1000 })
  t.equal(alertStatus(fired.alert), 'firing')

  t.equal(reviewAlert(fired.alert, null, 500, 1400).notice, null, 'no reminder before the interval')
  t.equal(reviewAlert(fired.alert, null, 500, 1400).alert, fired.alert, 'unchanged alert is the same object')
  const reminded = reviewAlert(fired.alert, null, 500, 1500)
  t.equal(reminded.notice, 'reminder')
  t.equal(reminded.alert.reminders, 1)
  t.equal(reviewAlert(fired.alert, null, 0, 99_999).notice, null, 'interval 0 never reminds')

  const acked = acknowledgeAlert(reminded.alert, 'ana', 'looking', 1600)
  t.equal(alertStatus(acked), 'acknowledged')
  t.equal(reviewAlert(acked, null, 500, 10_000).notice, null, 'acknowledged alerts do not remind')

  const resolved = resolveAlert(acked, 2000)
  t.equal(resolved.notice, 'resolved')
  t.match(resolved.alert, { state: 'resolved', resolvedAt: 2000 })
  t.equal(resolveAlert(resolved.alert, 3000).notice, null, 'resolving twice sends nothing')
})

t.test('alert machine: suppression holds the firing back; the resolution follows the firing', async (t) => {
  const held = openAlert({ ...base, suppressedBy: 'dependency' })
  t.equal(held.notice, null)
  t.equal(alertStatus(held.alert), 'suppressed')
  t.equal(resolveAlert(held.alert, 2000).notice, null, 'never sent, so no resolution')

  const still = reviewAlert(held.alert, 'dependency', 100, 5000)
  t.equal(still.notice, null)
  const lifted = reviewAlert(held.alert, null, 100, 5000)
  t.equal(lifted.notice, 'firing', 'sent when the suppression lifts')
  t.equal(lifted.alert.firingSent, true)

  const sent = openAlert(base)
  const nowSuppressed = reviewAlert(sent.alert, 'silence', 100, 5000)
  t.equal(nowSuppressed.notice, null)
  t.equal(alertStatus(nowSuppressed.alert), 'silenced')
  t.equal(resolveAlert(nowSuppressed.alert, 6000).notice, 'resolved', 'a sent firing always gets its resolution')
  t.equal(alertStatus(reviewAlert(sent.alert, 'maintenance', 100, 5000).alert), 'maintenance')
})

t.test('alert machine: a severity change is news and clears the acknowledgement', async (t) => {
  const fired = openAlert({ ...base, severity: 'warning' })
  const acked = acknowledgeAlert(fired.alert, 'ana', null, 1100)
  const worse = changeSeverity(acked, 'critical', 'status', null, 1200)
  t.equal(worse.notice, 'firing')
  t.match(worse.alert, { severity: 'critical', cause: 'status', acknowledged: null })
  t.equal(changeSeverity(worse.alert, 'critical', null, null, 1300).notice, null)
  t.equal(changeSeverity(acked, 'critical', null, 'dependency', 1200).notice, null, 'suppressed escalation is not sent')
})

t.test('matchers: names or tags; none means every service', async (t) => {
  t.ok(matchesService({}, 'x', []))
  t.ok(matchesService({ services: ['x'] }, 'x', []))
  t.ok(matchesService({ tags: ['shop'] }, 'y', ['core', 'shop']))
  t.notOk(matchesService({ services: ['x'], tags: ['shop'] }, 'y', ['core']))
})

t.test('outbox: exponential backoff, capped, until the maximum age', async (t) => {
  const p = { baseMs: 100, maxDelayMs: 1000, maxAgeMs: 5000 }
  t.same([1, 2, 3, 4, 5, 6].map((n) => retryDelay(n, p)), [100, 200, 400, 800, 1000, 1000])
  t.same(afterFailure(0, 1, 50, p), { status: 'pending', nextAttemptAt: 150 })
  t.same(afterFailure(0, 6, 4500, p), { status: 'expired' })
  t.equal(retryDelay(1000, p), 1000, 'no overflow on many attempts')
})

t.test('rate budget: room while under the budget, else when the oldest leaves the window', async (t) => {
  t.equal(budgetOpensAt([], 2, 1000, 5000), 0)
  t.equal(budgetOpensAt([4500], 2, 1000, 5000), 0)
  t.equal(budgetOpensAt([4200, 4500], 2, 1000, 5000), 5200)
  t.equal(budgetOpensAt([3000, 4200, 4500], 2, 1000, 5000), 5200, 'messages out of the window do not count')
  t.equal(budgetOpensAt([4200, 4500, 4600], 2, 1000, 5000), 5500)
})

t.test('maintenance windows: weekdays, time of day, time zones, past midnight', async (t) => {
  t.ok(isTimeZone('Europe/Madrid'))
  t.notOk(isTimeZone('Mars/Olympus'))
  // 2026-01-05 is a Monday; 01:30 UTC is 02:30 in Madrid (CET, UTC+1)
  const at = Date.parse('2026-01-05T01:30:00Z')
  t.same(localTime(at, 'Europe/Madrid'), { weekday: 'mon', minute: 150 })
  t.same(localTime(at, 'America/New_York'), { weekday: 'sun', minute: 20 * 60 + 30 })
  const madrid = { weekdays: ['mon' as const], start: '02:00', end: '03:00', timeZone: 'Europe/Madrid' }
  t.ok(windowOpen(madrid, at))
  t.notOk(windowOpen({ ...madrid, timeZone: 'UTC' }, at), 'the same wall time in UTC is closed')
  t.notOk(windowOpen({ ...madrid, weekdays: ['tue'] }, at))
  t.notOk(windowOpen(madrid, Date.parse('2026-01-05T02:00:00Z')), 'end is exclusive')
  // summer time: 01:30 UTC is 03:30 in Madrid (CEST)
  t.notOk(windowOpen(madrid, Date.parse('2026-07-06T01:30:00Z')))
  t.ok(windowOpen(madrid, Date.parse('2026-07-06T00:30:00Z')))
  // past midnight: Sunday 23:00 → Monday 01:00 (UTC)
  const night = { weekdays: ['sun' as const], start: '23:00', end: '01:00', timeZone: 'UTC' }
  t.ok(windowOpen(night, Date.parse('2026-01-04T23:30:00Z')), 'Sunday night')
  t.ok(windowOpen(night, Date.parse('2026-01-05T00:30:00Z')), 'early Monday, opened on Sunday')
  t.notOk(windowOpen(night, Date.parse('2026-01-06T00:30:00Z')), 'early Tuesday: Monday is not listed')
  t.notOk(windowOpen(night, Date.parse('2026-01-05T01:00:00Z')))
})

t.test('payload: versioned, grouped kind by urgency, template and signature', async (t) => {
  const fired = openAlert(base).alert
  const resolved = resolveAlert(openAlert({ ...base, id: 'a2', service: 'db', services: ['db'] }).alert, 2000).alert
  const alerts = [snapshot(resolved, 'resolved'), snapshot(fired, 'firing')]
  t.equal(groupKind(alerts), 'firing')
  t.equal(groupKind([snapshot(resolved, 'resolved')]), 'resolved')
  const p = buildPayload('m1', groupKind(alerts), 'ops', 5000, alerts)
  t.match(p, { version: 1, id: 'm1', kind: 'firing', channel: 'ops', createdAt: new Date(5000).toISOString(), title: '[FIRING] 1 firing, 1 resolved' })
  t.match(p.text, /- RESOLVED db \(critical, timeout\)/)
  t.equal(renderTemplate('{{kind}} {{alerts.1.service}} {{json alerts.0.service}} {{missing}}', p), 'firing api "db" ')
  t.equal(signBody('k', '1', '{}'), 'sha256=' + createHmac('sha256', 'k').update('1.{}').digest('hex'), 'HMAC-SHA256 over timestamp.body')
  t.not(signBody('k', '1', '{}'), signBody('k', '2', '{}'), 'the timestamp is signed')
})

t.test('config: a bad notifier section fails the start naming the entry', async (t) => {
  t.throws(() => loadConfig({ env: {}, overrides: { channels: [{ id: 'x', type: 'webhook' }] as never } }), /channels at \/channels\/0/)
  t.throws(() => loadConfig({ env: { MCP_NOTIFIER_GROUP_WINDOW_MS: 'soon' } }), /MCP_NOTIFIER_GROUP_WINDOW_MS must be an integer/)
  t.equal(loadConfig({ env: { MCP_NOTIFIER_RATE_BUDGET: '5' } }).notifierRateBudget, 5)
  t.throws(() => loadConfig({ env: {}, overrides: { channels: [{ id: 'a', type: 'slack', url: 'http://127.0.0.1/x' }], alertRules: [{ id: 'r', channels: ['b'] }] } }),
    /alertRules\/0\/channels\/0: no channel "b"/)
  t.throws(() => loadConfig({ env: {}, overrides: { channels: [{ id: 'a', type: 'slack', url: 'http://127.0.0.1/x' }, { id: 'a', type: 'slack', url: 'http://127.0.0.1/y' }] } }),
    /channels\/1\/id "a" is defined twice/)
})
