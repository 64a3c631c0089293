import t from 'tap'
import Database from 'better-sqlite3'
import { build, adminHeaders, tempDir } from '../helper.js'
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { dayCode } from '../../src/domain/health/health-reads.js'
import { CheckResult, CheckServicesReport, ServiceStatus } from '../../src/schemas/health.js'
import { startTargets } from '../fixtures/targets.js'

const D = 86_400_000

t.test('the uptime bars: one code per UTC day and the checks over the window, as /uptime/daily counts them', async (t) => {
  const { app } = await build(t, { healthScheduler: false })
  for (const name of ['order', 'cart', 'idle']) await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name, url: 'http://127.0.0.1:9/' } })
  const now = Date.now()
  const from = Math.floor(now / D) * D - 89 * D
  const check = (service: string, at: number, verdict: 'up' | 'down' | 'degraded', maintenance = false) =>
    app.store.health.recordCheck({ service, at, verdict, latencyMs: 5, httpStatus: 200, errorClass: null, message: null, tlsDaysLeft: null, maintenance })
  // order: day 0 all up, day 1 some degraded, day 2 one down in 25 (4 %), day 3 one down in 3, today up
  await check('order', from + 3_600_000, 'up')
  await check('order', from + D + 3_600_000, 'up')
  await check('order', from + D + 7_200_000, 'degraded')
  for (let i = 0; i < 24; i++) await check('order', from + 2 * D + i * 60_000, 'up')
  await check('order', from + 2 * D + 30 * 60_000, 'down')
  for (const v of ['up', 'down', 'degraded'] as const) await check('order', from + 3 * D + 3_600_000, v)
  await check('order', from + 89 * D, 'up')
  await check('order', from - D, 'down') // 91 days ago: outside the window
  await check('cart', from + 10 * D, 'down', true) // maintenance: not counted

  const res = await app.inject({ url: '/uptime/bars?days=90', headers: adminHeaders })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.from, new Date(from).toISOString().slice(0, 10))
  t.equal(body.days, 90)
  const none = (n: number) => '-'.repeat(n)
  t.same(body.services, [
    { name: 'cart', checks: 0, good: 0, codes: none(90) },
    { name: 'idle', checks: 0, good: 0, codes: none(90) },
    { name: 'order', checks: 32, good: 30, codes: 'ugsd' + none(85) + 'u' },
  ])

  // the same counts as the long form, day by day
  const daily = (await app.inject({ url: '/uptime/daily?days=90', headers: adminHeaders })).json()
  for (const s of daily.services) {
    const bar = body.services.find((b: { name: string }) => b.name === s.name)
    const codes = new Array(90).fill('-')
    let checks = 0
    let good = 0
    for (const [i, total, up, degraded, down] of s.days) { codes[i] = dayCode({ total, degraded, down }); checks += total; good += up + degraded }
    t.same({ checks, good, codes: codes.join('') }, { checks: bar.checks, good: bar.good, codes: bar.codes }, `${s.name} agrees with /uptime/daily`)
  }

  // finished days are kept between calls; today's counts are read afresh
  await check('order', from + 89 * D + 60_000, 'down')
  await check('cart', from + 89 * D + 60_000, 'up')
  const later = (await app.inject({ url: '/uptime/bars?days=90', headers: adminHeaders })).json()
  t.same(later.services.map((s: { name: string, checks: number, codes: string }) => [s.name, s.checks, s.codes.at(-1)]), [['cart', 1, 'u'], ['idle', 0, '-'], ['order', 33, 'd']], 'a check made today shows on the next call')
  t.same((await app.inject({ url: '/uptime/bars?days=1', headers: adminHeaders })).json().services.find((s: { name: string }) => s.name === 'order'), { name: 'order', checks: 2, good: 1, codes: 'd' }, 'today only')

  // a removed service goes; one re-created under its name starts afresh
  await app.inject({ method: 'DELETE', url: '/services/order', headers: adminHeaders })
  await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name: 'order', url: 'http://127.0.0.1:9/' } })
  const again = (await app.inject({ url: '/uptime/bars', headers: adminHeaders })).json()
  t.same(again.services.find((s: { name: string }) => s.name === 'order'), { name: 'order', checks: 0, good: 0, codes: none(90) })

  const bad = await app.inject({ url: '/uptime/bars?days=0', headers: adminHeaders })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().message, /days/)
  t.equal((await app.inject({ url: '/uptime/bars' })).statusCode, 401)
})

t.test('day codes', async (t) => {
  t.equal(dayCode({ total: 0, degraded: 0, down: 0 }), '-')
  t.equal(dayCode({ total: 5, degraded: 0, down: 0 }), 'u')
  t.equal(dayCode({ total: 5, degraded: 1, down: 0 }), 'g')
  t.equal(dayCode({ total: 100, degraded: 9, down: 4 }), 's', 'under 5 % down')
  t.equal(dayCode({ total: 100, degraded: 0, down: 5 }), 'd', '5 % down or more')
})

t.test('query plans of the daily table: the window and today by the day index (a lost index fails here)', async (t) => {
  const store = await createSqliteStore({ dataDir: tempDir(t), durability: 'normal', writerMode: 'inline' })
  const file = store.file
  await store.close()
  const db = new Database(file, { readonly: true })
  t.teardown(() => db.close())
  const plan = (sql: string, ...args: unknown[]) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail).join(' / ')
  const sql = 'SELECT service, day, total, up, degraded, down FROM health_daily WHERE day >= ? AND day < ? ORDER BY service, day'
  const today = Math.floor(Date.now() / D) * D
  const todays = plan(sql, today, Number.MAX_SAFE_INTEGER)
  t.match(todays, /SEARCH health_daily USING (COVERING )?INDEX health_daily_day \(day>\? AND day<\?\)/, `today's rows by the day index: ${todays}`)
  t.notMatch(todays, /SCAN health_daily/, 'never a scan of the table')
  const window = plan(sql, today - 89 * D, today)
  t.match(window, /SEARCH health_daily USING (COVERING )?INDEX health_daily_day/, `the finished days by the day index: ${window}`)
  t.notMatch(window, /SCAN health_daily/)
})

t.test('the fleet lists (serialised with JSON.stringify) carry exactly the fields of their schemas', async (t) => {
  const tg = await startTargets(t)
  const { app } = await build(t, { healthScheduler: false })
  for (const [name, path] of [['good', '/ok'], ['bad', '/fail'], ['never', '/ok']]) {
    await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name, url: tg.base + path, enabled: name !== 'never' } })
  }
  await app.health.refresh()
  const keys = (o: object) => Object.keys(o).sort()
  const statusKeys = keys(ServiceStatus.properties)
  const checkKeys = keys(CheckResult.properties)
  const list = (await app.inject({ url: '/services', headers: adminHeaders })).json()
  const report = (await app.inject({ url: '/check-services', headers: adminHeaders })).json()
  t.same(keys(report), keys(CheckServicesReport.properties))
  t.equal(report.unhealthy, 1)
  for (const s of [...list, ...report.services]) {
    t.same(keys(s), statusKeys, `${s.name}: the schema's fields, no other`)
    if (s.lastCheck) t.ok(keys(s.lastCheck).every((k) => checkKeys.includes(k)), `${s.name}'s last check: ${keys(s.lastCheck)}`)
  }
  t.match(list.find((s: { name: string }) => s.name === 'bad'), { state: 'down', lastCheck: { httpStatus: 500, errorClass: 'status' } })
  t.equal(list.find((s: { name: string }) => s.name === 'never').lastCheck, null)
  t.equal((await app.inject({ url: '/services' })).json().statusCode, 401, 'errors are still JSON')
})
