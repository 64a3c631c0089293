import t from 'tap'
import { statSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { buildApp } from '../../src/app.js'
import { build, adminHeaders, tempDir, testConfig, ADMIN_PASSWORD } from '../helper.js'

interface Operation { security?: Array<Record<string, unknown>> }

/** Every admin route, read from the OpenAPI document the routes generate (so new routes are covered). */
async function adminRoutes (app: Awaited<ReturnType<typeof build>>['app']) {
  const doc = (await app.inject({ url: '/docs/json' })).json() as { paths: Record<string, Record<string, Operation>> }
  const routes: Array<{ method: string, url: string }> = []
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (op.security?.some((s) => 'basicAuth' in s)) routes.push({ method: method.toUpperCase(), url: path.replace(/\{[^}]+\}/g, 'x') })
    }
  }
  return routes
}

t.test('every admin route refuses a request without or with wrong credentials', async (t) => {
  const { app } = await build(t, { loginFailureMax: 1000 })
  const routes = await adminRoutes(app)
  t.ok(routes.length >= 2, `${routes.length} admin routes found`)
  routes.push({ method: 'GET', url: '/' })
  const wrong = 'Basic ' + Buffer.from('admin:not-the-password').toString('base64')
  const wrongUser = 'Basic ' + Buffer.from(`root:${ADMIN_PASSWORD}`).toString('base64')
  for (const r of routes) {
    for (const authorization of [undefined, wrong, wrongUser, 'Bearer something-long-enough-here', 'Basic !!!']) {
      const res = await app.inject({ method: r.method as 'GET', url: r.url, headers: authorization ? { authorization } : {}, payload: r.method === 'GET' ? undefined : {} })
      t.equal(res.statusCode, 401, `${r.method} ${r.url} with ${authorization ?? 'nothing'}`)
      t.match(res.json(), { statusCode: 401, error: 'Unauthorized' })
    }
  }
  const ok = await app.inject({ url: '/', headers: adminHeaders })
  t.equal(ok.statusCode, 200, 'the dashboard opens with the right credentials')
  t.match(ok.headers['content-type'], /text\/html/)
  t.equal((await app.inject({ url: '/events', headers: adminHeaders })).statusCode, 200)
  t.match((await app.inject({ url: '/events' })).headers['www-authenticate'], /Basic realm="MCP Server"/)
})

t.test('failed logins are rate limited per client address', async (t) => {
  const { app } = await build(t, { loginFailureMax: 3 })
  const wrong = { authorization: 'Basic ' + Buffer.from('admin:guess').toString('base64') }
  for (let i = 0; i < 3; i++) t.equal((await app.inject({ url: '/events', headers: wrong })).statusCode, 401)
  const locked = await app.inject({ url: '/events', headers: wrong })
  t.equal(locked.statusCode, 429)
  t.ok(Number(locked.headers['retry-after']) > 0, 'Retry-After set')
  t.match(locked.json().message, /too many failed logins/)
  t.equal((await app.inject({ url: '/events', headers: adminHeaders })).statusCode, 429, 'even the right password waits out the lockout')
  const other = await app.inject({ url: '/events', headers: adminHeaders, remoteAddress: '10.0.0.9' })
  t.equal(other.statusCode, 200, 'another address is not affected')
})

t.test('the global rate limit answers 429 with Retry-After', async (t) => {
  const { app } = await build(t, { rateLimitMax: 5 })
  const codes: number[] = []
  let last
  for (let i = 0; i < 7; i++) { last = await app.inject({ url: '/health' }); codes.push(last.statusCode) }
  t.same(codes, [200, 200, 200, 200, 200, 429, 429])
  t.ok(Number(last!.headers['retry-after']) > 0)
  t.match(last!.json(), { statusCode: 429, error: 'Too Many Requests' })
})

t.test('no default password: one is generated, saved 0600, and never logged', async (t) => {
  const dataDir = tempDir(t)
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
  const config = { ...testConfig(dataDir), adminPassword: undefined }
  const app = await buildApp(config, { logger: { level: 'info', stream } })
  t.teardown(() => app.close())
  await app.ready()
  const file = join(dataDir, 'admin-password')
  t.ok(existsSync(file))
  t.equal(statSync(file).mode & 0o777, 0o600)
  const password = readFileSync(file, 'utf8').trim()
  t.ok(password.length >= 20)
  t.ok(lines.some((l) => l.includes(file)), 'the log says where the password is')
  t.notOk(lines.some((l) => l.includes(password)), 'the log never holds the password')
  const auth = 'Basic ' + Buffer.from(`admin:${password}`).toString('base64')
  t.equal((await app.inject({ url: '/events', headers: { authorization: auth } })).statusCode, 200)
  t.notOk(lines.some((l) => l.includes(Buffer.from(`admin:${password}`).toString('base64'))), 'the authorization header is not logged')
})

t.test('CORS: no origin allowed by default; listed origins allowed', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'OPTIONS', url: '/events', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } })
  t.notOk(res.headers['access-control-allow-origin'])
  const { app: listed } = await build(t, { corsOrigins: ['https://ops.example'] })
  const ok = await listed.inject({ method: 'OPTIONS', url: '/events', headers: { origin: 'https://ops.example', 'access-control-request-method': 'POST' } })
  t.equal(ok.headers['access-control-allow-origin'], 'https://ops.example')
  const no = await listed.inject({ method: 'GET', url: '/health', headers: { origin: 'https://evil.example' } })
  t.notOk(no.headers['access-control-allow-origin'])
})

t.test('security headers on what browsers load', async (t) => {
  const { app } = await build(t)
  for (const url of ['/health', '/docs/json']) {
    const res = await app.inject({ url })
    t.equal(res.headers['x-content-type-options'], 'nosniff', url)
    t.ok(res.headers['content-security-policy'], url)
    t.equal(res.headers['x-frame-options'], 'SAMEORIGIN', url)
  }
  const page = await app.inject({ url: '/', headers: adminHeaders })
  t.match(page.headers['content-security-policy'], /default-src 'self'/)
  // unknown paths answer from the not-found handler, which has no route hooks of its own
  const missing = await app.inject({ url: '/no-such-page' })
  t.equal(missing.statusCode, 404)
  t.equal(missing.headers['x-content-type-options'], 'nosniff', '404')
  // the ingest route opts out: services posting events gain nothing from browser headers
  const ingest = await app.inject({ method: 'POST', url: '/events', payload: { type: 'x' } })
  t.equal(ingest.statusCode, 201)
  t.notOk(ingest.headers['content-security-policy'], 'POST /events')
})

t.test('/health is public; /ready answers 200, then 503 once the store is gone', async (t) => {
  const { app } = await build(t)
  const h = await app.inject({ url: '/health' })
  t.equal(h.statusCode, 200)
  t.match(h.json(), { status: 'ok', version: /^\d+\.\d+\.\d+/, uptime: Number })
  t.same((await app.inject({ url: '/ready' })).json(), { status: 'ready', store: 'sqlite', role: 'leader', leaderToken: 1 })
  await app.store.close()
  const r = await app.inject({ url: '/ready' })
  t.equal(r.statusCode, 503)
  t.equal(r.headers['retry-after'], '5')
  t.match(r.json(), { status: 'unavailable' })
})
