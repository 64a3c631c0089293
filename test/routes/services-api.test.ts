import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { build, adminHeaders, tempDir, ADMIN_USER, ADMIN_PASSWORD } from '../helper.js'
import { startTargets } from '../fixtures/targets.js'

const quiet = { healthScheduler: false }

t.test('only admins see or add targets', async (t) => {
  const { app } = await build(t, quiet)
  for (const [method, url] of [['GET', '/services'], ['POST', '/services'], ['GET', '/check-services'], ['DELETE', '/services/x']] as const) {
    const res = await app.inject({ method, url, payload: method === 'POST' ? { name: 'x', url: 'http://127.0.0.1:9/' } : undefined })
    t.equal(res.statusCode, 401, `${method} ${url}`)
  }
  t.same(app.health.list(), [], 'nothing was added')
})

t.test('every bad definition is refused with a message naming the field', async (t) => {
  const { app } = await build(t, quiet)
  const ok = await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name: 'auth', url: 'http://127.0.0.1:9/health' } })
  t.equal(ok.statusCode, 201)
  const cases: Array<[unknown, number, RegExp]> = [
    [{ name: 'a', url: 'http://127.0.0.1:9/', interval: '5s', timeout: '5s' }, 400, /body\/timeout \(5000 ms\) must be below interval \(5000 ms\)/],
    [{ name: 'a', url: 'http://127.0.0.1:9/', interval: 2000, timeout: 3000 }, 400, /body\/timeout/],
    [{ name: 'a', url: 'http://127.0.0.1:9/', dependsOn: ['nope'] }, 400, /body\/dependsOn\/0: no service named "nope"/],
    [{ name: 'a', url: 'not a url' }, 400, /body\/url is not a valid URL/],
    [{ name: 'a', url: 'ftp://127.0.0.1/' }, 400, /body\/url must start with http/],
    [{ name: 'a', url: 'http://127.0.0.1:9/', kind: 'tcp' }, 400, /body\/url must be tcp:\/\/host:port/],
    [{ name: 'auth', url: 'http://127.0.0.1:9/' }, 409, /body\/name: a service named "auth" already exists/],
    [{ name: 'Bad Name', url: 'http://127.0.0.1:9/' }, 400, /body\/name/],
    [{ name: 'a', url: 'http://127.0.0.1:9/', interval: 10 }, 400, /body\/interval must be at least 1000 ms/],
    [{ name: 'a', url: 'http://127.0.0.1:9/', degradedAfterMs: 9000 }, 400, /body\/degradedAfterMs/],
    [{ name: 'a', url: 'http://127.0.0.1:9/', failureThreshold: 0 }, 400, /body\/failureThreshold/],
    [{ name: 'a', url: 'http://127.0.0.1:9/', wat: 1 }, 400, /body\/wat is not a known field/],
    [{ name: 'a', url: 'http://127.0.0.1:9/', expectedStatus: ['9xx'] }, 400, /body\/expectedStatus\/0/],
    [{ name: 'a', url: 'http://127.0.0.1:9/', dependsOn: ['a'] }, 400, /body\/dependsOn\/0: a service cannot depend on itself/],
    [{ name: 'a', url: 'http://169.254.169.254/latest/meta-data/' }, 400, /body\/url: 169.254.169.254 is a cloud metadata address/],
    [{ name: 'a', url: 'http://[::ffff:a9fe:a9fe]/' }, 400, /body\/url: .*metadata/],
    [{ name: 'a', url: 'http://2852039166/' }, 400, /body\/url: 169.254.169.254 is a cloud metadata/],
    [{ name: 'a', url: 'http://[fd00:ec2::254]/' }, 400, /metadata/],
  ]
  for (const [payload, status, message] of cases) {
    const res = await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: payload as object })
    t.equal(res.statusCode, status, JSON.stringify(payload))
    t.match(res.json().message, message)
  }
  // a cycle: b → c, then c → b
  t.equal((await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name: 'b', url: 'http://127.0.0.1:9/', dependsOn: ['auth'] } })).statusCode, 201)
  t.equal((await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name: 'c', url: 'http://127.0.0.1:9/', dependsOn: ['b'] } })).statusCode, 201)
  const cyc = await app.inject({ method: 'PATCH', url: '/services/b', headers: adminHeaders, payload: { dependsOn: ['c'] } })
  t.equal(cyc.statusCode, 400)
  t.match(cyc.json().message, /body\/dependsOn: dependency cycle b → c → b/)
  const del = await app.inject({ method: 'DELETE', url: '/services/auth', headers: adminHeaders })
  t.equal(del.statusCode, 409)
  t.match(del.json().message, /dependency of "b"/)
  t.same(app.health.list().map((s) => s.name), ['auth', 'b', 'c'], 'nothing half-stored')
  const rename = await app.inject({ method: 'PUT', url: '/services/c', headers: adminHeaders, payload: { name: 'd', url: 'http://127.0.0.1:9/' } })
  t.equal(rename.statusCode, 400)
  t.equal((await app.inject({ method: 'GET', url: '/services/zzz', headers: adminHeaders })).statusCode, 404)
})

t.test('uptime windows come from the hourly rollups of a known history', async (t) => {
  const { app } = await build(t, quiet)
  await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name: 'order', url: 'http://127.0.0.1:9/' } })
  const H = 3_600_000
  const D = 24 * H
  const now = Date.now()
  const check = (at: number, verdict: 'up' | 'down' | 'degraded') => app.store.health.recordCheck({ service: 'order', at, verdict, latencyMs: 5, httpStatus: 200, errorClass: null, message: null, tlsDaysLeft: null })
  // 24 h: 3 up, 1 degraded; 2–7 d: +2 down; 20 d: +4 up; 60 d: +2 down; 200 d: +8 up; 500 d: (past 365) 5 down
  for (const [ago, v, n] of [[H, 'up', 3], [2 * H, 'degraded', 1], [3 * D, 'down', 2], [20 * D, 'up', 4], [60 * D, 'down', 2], [200 * D, 'up', 8], [500 * D, 'down', 5]] as const) {
    for (let i = 0; i < n; i++) await check(now - ago, v)
  }
  const { uptime } = (await app.inject({ url: '/services/order', headers: adminHeaders })).json()
  t.match(uptime['24h'], { checks: 4, up: 3, degraded: 1, down: 0, ratio: 1 })
  t.match(uptime['7d'], { checks: 6, down: 2 })
  t.equal(uptime['7d'].ratio, 4 / 6)
  t.equal(uptime['30d'].ratio, 8 / 10)
  t.equal(uptime['90d'].ratio, 8 / 12)
  t.equal(uptime['365d'].ratio, 16 / 20)
  // raw checks past retention go; the rollups stay
  await app.store.health.pruneChecks(now - 7 * D)
  const again = (await app.inject({ url: '/services/order', headers: adminHeaders })).json()
  t.same(again.uptime, uptime)
  const hist = (await app.inject({ url: '/services/order/history?limit=1000', headers: adminHeaders })).json()
  t.equal(hist.checks.length, 6)
})

t.test('daily uptime of the whole fleet comes from the rollups in one read, per UTC day', async (t) => {
  const { app } = await build(t, quiet)
  for (const name of ['order', 'cart']) await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name, url: 'http://127.0.0.1:9/' } })
  const D = 86_400_000
  const now = Date.now()
  const from = Math.floor(now / D) * D - 89 * D
  const check = (service: string, at: number, verdict: 'up' | 'down' | 'degraded', maintenance = false) =>
    app.store.health.recordCheck({ service, at, verdict, latencyMs: 5, httpStatus: 200, errorClass: null, message: null, tlsDaysLeft: null, maintenance })
  // order: two days, two hours apart inside each (one day, summed over its hourly rollups)
  const d3 = from + 3 * D
  for (const [at, v] of [[d3 + 3_600_000, 'up'], [d3 + 5 * 3_600_000, 'down'], [d3 + 5 * 3_600_000, 'degraded'], [from + 89 * D, 'up']] as const) await check('order', at, v)
  await check('order', from - D, 'down') // 91 days ago: outside the window
  await check('order', from + 10 * D, 'down', true) // maintenance: not counted
  const res = await app.inject({ url: '/uptime/daily?days=90', headers: adminHeaders })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.from, new Date(from).toISOString().slice(0, 10))
  t.equal(body.days, 90)
  t.same(body.services, [
    { name: 'cart', days: [] },
    { name: 'order', days: [[3, 3, 1, 1, 1], [89, 1, 1, 0, 0]] },
  ])
  const short = (await app.inject({ url: '/uptime/daily?days=1', headers: adminHeaders })).json()
  t.same(short.services.find((s: { name: string }) => s.name === 'order').days, [[0, 1, 1, 0, 0]], 'today only')
  // past days are kept between calls, today's counts are read afresh
  await check('order', from + 89 * D + 60_000, 'down')
  await check('cart', from + 89 * D + 60_000, 'up')
  const later = (await app.inject({ url: '/uptime/daily?days=90', headers: adminHeaders })).json()
  t.same(later.services, [
    { name: 'cart', days: [[89, 1, 1, 0, 0]] },
    { name: 'order', days: [[3, 3, 1, 1, 1], [89, 2, 1, 0, 1]] },
  ], 'a check made today shows on the next call')
  // a removed service's rollups go with it
  await app.inject({ method: 'DELETE', url: '/services/order', headers: adminHeaders })
  t.same((await app.inject({ url: '/uptime/daily', headers: adminHeaders })).json().services, [{ name: 'cart', days: [[89, 1, 1, 0, 0]] }])
  const bad = await app.inject({ url: '/uptime/daily?days=400', headers: adminHeaders })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().message, /days/)
  t.equal((await app.inject({ url: '/uptime/daily' })).statusCode, 401)
})

t.test('config-file services: read-only through the API, reloaded, bad ones refused', async (t) => {
  const tg = await startTargets(t)
  const dir = tempDir(t)
  const file = join(dir, 'mcp.yaml')
  writeFileSync(file, `services:\n  - name: auth\n    url: ${tg.base}/ok\n    tags: [core]\n  - name: cart\n    url: ${tg.base}/ok\n    dependsOn: [auth]\n`)
  const config = loadConfig({ env: { MCP_CONFIG: file }, overrides: { dataDir: join(dir, 'data'), adminUser: ADMIN_USER, adminPassword: ADMIN_PASSWORD, logLevel: 'silent', healthScheduler: false } })
  const app = await buildApp(config)
  t.teardown(() => app.close())
  await app.ready()
  t.same(app.health.list().map((s) => [s.name, s.source, s.readOnly]), [['auth', 'file', true], ['cart', 'file', true]])
  const put = await app.inject({ method: 'PUT', url: '/services/auth', headers: adminHeaders, payload: { name: 'auth', url: tg.base + '/fail' } })
  t.equal(put.statusCode, 409)
  t.match(put.json().message, /defined in the config file and is read-only/)
  t.equal((await app.inject({ method: 'DELETE', url: '/services/auth', headers: adminHeaders })).statusCode, 409)
  t.equal((await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name: 'order', url: tg.base + '/ok', dependsOn: ['cart'] } })).statusCode, 201)
  await app.health.refresh()

  // change auth, remove nothing the API needs, add product
  writeFileSync(file, `services:\n  - name: auth\n    url: ${tg.base}/fail\n  - name: cart\n    url: ${tg.base}/ok\n    dependsOn: [auth]\n  - name: product\n    url: ${tg.tcpUrl}\n    kind: tcp\n`)
  t.same(await app.health.reload(), { added: ['product'], changed: ['auth'], removed: [] })
  t.equal(app.health.get('auth')!.definition.url, tg.base + '/fail')
  t.equal(app.health.getState('auth'), 'up', 'state carried over')

  // invalid files change nothing
  for (const [text, msg] of [
    [`services:\n  - name: auth\n    url: ${tg.base}/ok\n    interval: 2s\n    timeout: 3s\n`, /services\/0\/timeout/],
    [`services:\n  - name: auth\n    url: ${tg.base}/ok\n  - name: auth\n    url: ${tg.base}/ok\n`, /services\/1\/name: duplicate name "auth"/],
    [`services:\n  - name: auth\n    url: ${tg.base}/ok\n`, /dependsOn\/0: no service named "cart"/],
    [`services:\n  - name: x\n    url: ${tg.base}/ok\n    dependsOn: [y]\n  - name: y\n    url: ${tg.base}/ok\n    dependsOn: [x]\n  - name: cart\n    url: ${tg.base}/ok\n`, /dependency cycle x → y → x/],
    [`services:\n  - name: order\n    url: ${tg.base}/ok\n  - name: cart\n    url: ${tg.base}/ok\n`, /services\/0\/name: "order" is already defined through the API/],
    ['services: [', /not valid YAML/],
  ] as const) {
    writeFileSync(file, text)
    await t.rejects(app.health.reload(), { message: msg })
  }
  t.same(app.health.list().map((s) => s.name), ['auth', 'cart', 'order', 'product'])

  // removal from the file
  writeFileSync(file, `services:\n  - name: cart\n    url: ${tg.base}/ok\n`)
  t.same(await app.health.reload(), { added: [], changed: ['cart'], removed: ['auth', 'product'] })
  t.equal((await app.inject({ url: '/services/auth', headers: adminHeaders })).statusCode, 404)
})

t.test('a bad service in the config file fails the start, naming it', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'mcp.yaml')
  writeFileSync(file, 'services:\n  - name: auth\n    url: http://127.0.0.1:9/\n  - name: cart\n    url: http://127.0.0.1:9/\n    timeout: 40s\n')
  const config = loadConfig({ env: { MCP_CONFIG: file }, overrides: { dataDir: join(dir, 'data'), adminPassword: ADMIN_PASSWORD, logLevel: 'silent' } })
  await t.rejects(buildApp(config).then((app) => app.ready()), { name: 'ConfigError', message: /mcp\.yaml: services\/1\/timeout \(40000 ms\) must be below interval \(30000 ms\)/ })
})
