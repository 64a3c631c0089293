// Shared limits (MCP_REDIS_URL): two hub instances on one Redis (the machine's, 127.0.0.1:6379, a key
// prefix of their own per test) share the rate-limit windows and the failed-login counters, so that a
// client cannot multiply its budget by the number of instances; without Redis each counts alone; a
// Redis that cannot be reached costs the sharing, never a request.
import t from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'
import { build, adminHeaders, ADMIN_USER } from '../helper.js'
import { parseShared } from '../../src/domain/auth/adapters/redis-failure-sync.js'

const REDIS_URL = process.env.MCP_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const basic = (user: string, password: string) => ({ authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') })
const wrong = basic(ADMIN_USER, 'not-the-password')

/** a key prefix of this test's own, whose keys are deleted when it ends */
function prefix (t: Parameters<typeof build>[0] & { teardown (fn: () => unknown): void }): string {
  const p = `mcp-test:${randomBytes(5).toString('hex')}:`
  t.teardown(async () => {
    const r = new Redis(REDIS_URL)
    const keys = await r.keys(`${p}*`)
    if (keys.length > 0) await r.del(...keys)
    r.disconnect()
  })
  return p
}

/** an app whose Redis connections are up (the hub starts without waiting long for them) */
async function hub (t: Parameters<typeof build>[0], overrides: Parameters<typeof build>[1]) {
  const { app } = await build(t, overrides)
  if (!(await eventually(async () => app.redis?.status === 'ready'))) throw new Error('redis did not connect')
  return app
}

/** polls `check` every 10 ms, at most 200 times */
async function eventually (check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 200; i++) { if (await check()) return true; await new Promise((resolve) => setTimeout(resolve, 10)) }
  return false
}

t.test('the rate-limit window is one across instances with Redis, one per instance without', async (t) => {
  const shared = { rateLimitMax: 6, redisUrl: REDIS_URL, redisPrefix: prefix(t) }
  const a = await hub(t, shared)
  const b = await hub(t, shared)
  const get = (app: typeof a) => app.inject({ url: '/events?limit=1', headers: adminHeaders, remoteAddress: '203.0.113.9' })
  const codes: number[] = []
  for (let i = 0; i < 3; i++) { codes.push((await get(a)).statusCode); codes.push((await get(b)).statusCode) }
  t.same(codes, [200, 200, 200, 200, 200, 200], 'six requests, three on each, within the shared budget of six')
  const over = await get(a)
  t.equal(over.statusCode, 429, 'the seventh is refused, though instance A itself answered only three')
  t.ok(Number(over.headers['retry-after']) >= 1, 'with Retry-After')
  t.match(over.json(), { statusCode: 429, message: /rate limit of 6 requests/ })
  t.equal((await get(b)).statusCode, 429, 'and on B')
  t.equal((await b.inject({ url: '/events?limit=1', headers: adminHeaders, remoteAddress: '203.0.113.10' })).statusCode, 200, 'another address has its own window')

  const alone = { rateLimitMax: 6 }
  const c = (await build(t, alone)).app
  const d = (await build(t, alone)).app
  const lone: number[] = []
  for (let i = 0; i < 6; i++) { lone.push((await get(c)).statusCode); lone.push((await get(d)).statusCode) }
  t.same(lone, Array(12).fill(200), 'without Redis, each instance grants the whole budget: twelve pass')
})

t.test('failed logins counted on two instances lock the address on both, and on one started later', async (t) => {
  const shared = { loginFailureMax: 4, rateLimitMax: 100_000, redisUrl: REDIS_URL, redisPrefix: prefix(t) }
  const a = await hub(t, shared)
  const b = await hub(t, shared)
  const from = { remoteAddress: '198.51.100.23' }
  for (const app of [a, b, a]) t.equal((await app.inject({ url: '/audit', headers: wrong, ...from })).statusCode, 401)
  t.equal((await a.inject({ url: '/audit', headers: adminHeaders, ...from })).statusCode, 200, 'three failures of four: the right password still works')
  t.equal((await b.inject({ url: '/audit', headers: wrong, ...from })).statusCode, 401, 'the fourth failure, on B')
  const lockedOn = async (app: typeof a) => (await app.inject({ url: '/audit', headers: adminHeaders, ...from })).statusCode === 429
  t.ok(await eventually(() => lockedOn(a)), 'A refuses the right password: two failures were its own, two were B\'s')
  t.ok(await lockedOn(b), 'so does B')
  const locked = await a.inject({ url: '/audit', headers: adminHeaders, ...from })
  t.ok(Number(locked.headers['retry-after']) >= 1, '429 with Retry-After')
  t.equal((await a.inject({ url: '/audit', headers: adminHeaders, remoteAddress: '198.51.100.24' })).statusCode, 200, 'another address is not locked')

  // an instance that starts now learns the count at this address's next failure: the INCR answers the total
  const c = await hub(t, shared)
  t.equal((await c.inject({ url: '/audit', headers: wrong, ...from })).statusCode, 401)
  t.ok(await eventually(() => lockedOn(c)), 'a late instance is locked after one failure of its own, not four')
})

t.test('a token failure counter is shared too, and a successful login makes its address known everywhere', async (t) => {
  const shared = { tokenFailureMax: 3, loginUserFailureMax: 2, loginFailureMax: 100, rateLimitMax: 100_000, redisUrl: REDIS_URL, redisPrefix: prefix(t), ingestTokens: ['a-valid-ingest-token-long-enough'] }
  const a = await hub(t, shared)
  const b = await hub(t, shared)
  const badToken = { authorization: 'Bearer not-a-token-anyone-has' }
  for (const app of [a, b, a]) t.equal((await app.inject({ method: 'POST', url: '/events', payload: { type: 'x' }, headers: badToken, remoteAddress: '192.0.2.5' })).statusCode, 401)
  const tokenLocked = async (app: typeof a) => (await app.inject({ method: 'POST', url: '/events', payload: { type: 'x' }, headers: { authorization: 'Bearer a-valid-ingest-token-long-enough' }, remoteAddress: '192.0.2.5' })).statusCode === 429
  t.ok(await eventually(() => tokenLocked(b)), 'three bad tokens over two instances lock bearer logins from that address on B')

  // the admin logs in on A from 192.0.2.50; then attackers elsewhere lock the user name, through B
  t.equal((await a.inject({ url: '/audit', headers: adminHeaders, remoteAddress: '192.0.2.50' })).statusCode, 200)
  const userKey = createHash('sha256').update(ADMIN_USER).digest('base64url')
  t.ok(await eventually(async () => b.auth.lockout.isKnown(userKey, '192.0.2.50')), 'B learns the address A saw the admin log in from')
  for (const ip of ['192.0.2.60', '192.0.2.61']) await b.inject({ url: '/audit', headers: wrong, remoteAddress: ip })
  t.ok(await eventually(async () => (await b.inject({ url: '/audit', headers: adminHeaders, remoteAddress: '192.0.2.62' })).statusCode === 429), 'the user is locked for unknown addresses')
  const known = await b.inject({ url: '/audit', headers: adminHeaders, remoteAddress: '192.0.2.50' })
  t.equal(known.statusCode, 200, 'B lets the admin in from the address A saw it log in from', { body: known.body, counts: b.auth.lockout.counts('192.0.2.50') })
})

t.test('a Redis that cannot be reached: the hub starts, serves and counts on its own', async (t) => {
  const port = await new Promise<number>((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)) }) })
  const { app } = await build(t, { loginFailureMax: 2, rateLimitMax: 100_000, redisUrl: `redis://127.0.0.1:${port}` })
  t.equal((await app.inject({ url: '/events?limit=1', headers: adminHeaders })).statusCode, 200, 'requests pass (rate limiting skips a failing Redis)')
  const from = { remoteAddress: '198.51.100.99' }
  for (let i = 0; i < 2; i++) t.equal((await app.inject({ url: '/audit', headers: wrong, ...from })).statusCode, 401)
  t.equal((await app.inject({ url: '/audit', headers: adminHeaders, ...from })).statusCode, 429, 'the local lock-out still holds')
})

t.test('messages on the channel are parsed defensively', async (t) => {
  t.same(parseShared('{"c":"address","k":"10.0.0.1","n":3,"r":1700000000000}'), { counter: 'address', key: '10.0.0.1', count: 3, resetAt: 1700000000000 })
  t.same(parseShared('{"c":"known","u":"digest","a":"10.0.0.1","t":5}'), { known: { user: 'digest', address: '10.0.0.1', at: 5 } })
  for (const bad of ['', 'null', '[]', '{"c":"root","k":"x","n":1,"r":1}', '{"c":"address","k":"","n":1,"r":1}', '{"c":"address","k":"x","n":-1,"r":1}',
    '{"c":"address","k":"x","n":1.5,"r":1}', `{"c":"address","k":"${'x'.repeat(600)}","n":1,"r":1}`, '{"c":"known","u":"x","a":"y"}']) {
    t.equal(parseShared(bad), null, `ignored: ${bad.slice(0, 40)}`)
  }
})
