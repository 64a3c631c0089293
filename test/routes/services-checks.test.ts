import t from 'tap'
import type { ServiceTransition } from '../../src/domain/health/topics.js'
import { build, adminHeaders, tempDir } from '../helper.js'
import { startTargets } from '../fixtures/targets.js'
import { waitFor } from '../fixtures/wait.js'

const quiet = { healthScheduler: false }

t.test('check-services aggregates every kind of target; refresh probes them now', async (t) => {
  const tg = await startTargets(t)
  const { app } = await build(t, quiet)
  const defs = [
    { name: 'ok', url: tg.base + '/ok', json: [{ path: 'status', equals: 'UP' }] },
    { name: 'big', url: tg.base + '/big', bodyContains: 'xx' },
    { name: 'tcp', url: tg.tcpUrl, kind: 'tcp' },
    { name: 'slow', url: tg.base + '/slow', degradedAfterMs: 100 },
    { name: 'fail', url: tg.base + '/fail' },
    { name: 'hang', url: tg.base + '/hang', timeout: 400 },
    { name: 'nocond', url: tg.base + '/nocond', json: [{ path: 'status', equals: 'UP' }] },
    { name: 'reset', url: tg.base + '/reset' },
    { name: 'redirect', url: tg.base + '/redirect' },
    { name: 'redirect-ok', url: tg.base + '/redirect', expectedStatus: ['3xx'] },
  ]
  for (const d of defs) t.equal((await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: d })).statusCode, 201, d.name)
  const before = (await app.inject({ url: '/check-services', headers: adminHeaders })).json()
  t.match(before, { healthy: 0, total: 10, checkedAt: null })
  t.equal(before.services.length, 10)
  t.ok(before.services.every((s: { state: string }) => s.state === 'unknown'), 'reads never probe')
  const started = Date.now()
  const res = await app.inject({ url: '/check-services?refresh=true', headers: adminHeaders })
  t.ok(Date.now() - started < 2500, 'bounded by the largest timeout')
  const r = res.json()
  t.match(r, { healthy: 4, degraded: 1, unhealthy: 5, total: 10 })
  const by = Object.fromEntries(r.services.map((s: { name: string }) => [s.name, s]))
  t.match(by.hang, { state: 'down', lastCheck: { errorClass: 'timeout' } })
  t.match(by.nocond, { state: 'down', lastCheck: { errorClass: 'condition' } })
  t.match(by.reset, { state: 'down', lastCheck: { errorClass: 'reset' } })
  t.match(by.redirect, { state: 'down', lastCheck: { errorClass: 'status', httpStatus: 301 } })
  t.match(by.fail, { state: 'down', lastCheck: { httpStatus: 500, errorClass: 'status' } })
  t.match(by.slow, { state: 'degraded' })
  t.match(by.big, { state: 'up' })
  t.ok(by.big.latencyMs < 500)
  t.match(by.tcp, { state: 'up', kind: 'tcp' })
  t.ok(r.checkedAt)
  const again = (await app.inject({ url: '/check-services', headers: adminHeaders })).json()
  t.same(again, r, 'the stored results, without probing')
  const hist = (await app.inject({ url: '/services/hang/history', headers: adminHeaders })).json()
  t.equal(hist.checks.length, 1)
})

t.test('thresholds, incidents opened and closed, transitions on the bus', async (t) => {
  const tg = await startTargets(t)
  const { app } = await build(t, quiet)
  const seen: ServiceTransition[] = []
  app.bus.subscribe('service.transition', (tr) => seen.push(tr))
  await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name: 'cart', url: tg.base + '/toggle', tags: ['shop'], failureThreshold: 2, successThreshold: 2 } })
  const state = () => app.health.getState('cart')
  await app.health.refresh()
  t.equal(state(), 'up')
  tg.toggle.status = 503
  await app.health.refresh()
  t.equal(state(), 'up', 'one failure is not enough')
  await app.health.refresh()
  t.equal(state(), 'down', 'two are')
  const detail = (await app.inject({ url: '/services/cart', headers: adminHeaders })).json()
  t.match(detail, { status: { state: 'down', lastCheck: { httpStatus: 503 } }, currentIncident: { kind: 'down', cause: 'status', endedAt: null } })
  tg.toggle.status = 200
  await app.health.refresh()
  t.equal(state(), 'down')
  await app.health.refresh()
  t.equal(state(), 'up')
  const incidents = (await app.inject({ url: '/services/cart/incidents', headers: adminHeaders })).json()
  t.equal(incidents.incidents.length, 1)
  t.match(incidents.incidents[0], { id: detail.currentIncident.id, kind: 'down', cause: 'status' })
  t.ok(incidents.incidents[0].endedAt, 'closed')
  t.same(seen.map((s) => `${s.from}>${s.to}`), ['unknown>up', 'up>down', 'down>up'])
  t.match(seen[1], { service: 'cart', tags: ['shop'], cause: 'status', incidentId: detail.currentIncident.id })
  t.match(seen[2], { cause: null, incidentId: detail.currentIncident.id })
  // history pages with a cursor
  const p1 = (await app.inject({ url: '/services/cart/history?limit=3', headers: adminHeaders })).json()
  t.equal(p1.checks.length, 3)
  const p2 = (await app.inject({ url: `/services/cart/history?limit=3&cursor=${p1.nextCursor}`, headers: adminHeaders })).json()
  t.equal(p2.checks.length, 2)
  t.equal(p2.nextCursor, null)
  t.ok(p1.checks[2].seq > p2.checks[0].seq)
  // pausing closes nothing new and stops checks
  const paused = await app.inject({ method: 'PATCH', url: '/services/cart', headers: adminHeaders, payload: { enabled: false } })
  t.equal(paused.statusCode, 200)
  t.equal(state(), 'paused')
  await app.health.refresh()
  t.equal(state(), 'paused')
})

t.test('restart keeps services, state and incidents', async (t) => {
  const tg = await startTargets(t)
  const dataDir = tempDir(t)
  const first = await build(t, quiet, dataDir)
  await first.app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name: 'wishlist', url: tg.base + '/fail', failureThreshold: 1 } })
  await first.app.health.refresh()
  const before = (await first.app.inject({ url: '/services/wishlist', headers: adminHeaders })).json()
  t.equal(before.status.state, 'down')
  await first.app.close()
  const second = await build(t, quiet, dataDir)
  const after = (await second.app.inject({ url: '/services/wishlist', headers: adminHeaders })).json()
  t.same(after.status, before.status)
  t.same(after.currentIncident, before.currentIncident)
  t.equal(second.app.health.getState('wishlist'), 'down')
})

t.test('scheduled checks run on their own clock', async (t) => {
  const tg = await startTargets(t)
  const dataDir = tempDir(t)
  const { app } = await build(t, {}, dataDir)
  await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name: 'product', url: tg.base + '/ok', interval: '1s', timeout: 500 } })
  // a real target, so real time: nothing but the scheduler probes here; wait for its third check
  const hist = await waitFor(async () => {
    const h = (await app.inject({ url: '/services/product/history', headers: adminHeaders })).json()
    return h.checks.length >= 3 ? h : null
  }, { timeoutMs: 10_000, message: 'three scheduled checks' })
  const times = hist.checks.map((c: { at: string }) => Date.parse(c.at)).sort((a: number, b: number) => a - b)
  const gaps = times.slice(1).map((x: number, i: number) => x - times[i])
  t.ok(gaps.length >= 2 && gaps.every((g: number) => g >= 700 && g < 1900), `checked on the clock, one interval apart (gaps ${gaps} ms)`)
  t.equal(app.health.getState('product'), 'up')
})
