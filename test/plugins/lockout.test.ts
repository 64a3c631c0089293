// Login lock-out, through the routes: a request without credentials is a challenge (not counted, not
// audited); failures count per address, per user (higher, not from the user's known addresses) and,
// for bearer tokens, per address on their own; failed logins reach the trail one entry per address
// and window.
import t from 'tap'
import { loadConfig, ConfigError } from '../../src/config.js'
import { build, adminHeaders, tempDir, ADMIN_USER } from '../helper.js'

const basic = (user: string, password: string) => ({ authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') })
const wrong = basic(ADMIN_USER, 'not-the-password')
const TOKEN = 'an-ingest-token-long-enough'
const at = (remoteAddress: string) => ({ remoteAddress })

/** the failed-login entries on the trail, read by a fresh app on the same data dir (the first is closed) */
async function failedLogins (t: Parameters<typeof build>[0], dataDir: string) {
  const { app } = await build(t, { rateLimitMax: 100_000 }, dataDir)
  const res = await app.inject({ url: '/audit?action=auth.login_failed&limit=100', headers: adminHeaders })
  t.equal(res.statusCode, 200)
  return res.json().entries as Array<{ clientIp: string | null, reason: string, target: { id: string }, metadata: Record<string, unknown> }>
}

t.test('3,000 anonymous requests: each a challenge, none counted, no audit entry', async (t) => {
  const dataDir = tempDir(t)
  const { app } = await build(t, { loginFailureMax: 3, tokenFailureMax: 3, rateLimitMax: 100_000, ingestTokens: [TOKEN] }, dataDir)
  const started = performance.now()
  for (let i = 0; i < 3000; i++) {
    const res = await app.inject({ url: i % 2 ? '/events' : '/audit', method: i % 2 ? 'POST' : 'GET', ...(i % 2 ? { payload: { type: 'x' } } : {}) })
    if (res.statusCode !== 401) { t.fail(`request ${i}: ${res.statusCode}`); break }
    if (i === 0) t.match(res.headers['www-authenticate'], /^Basic realm="MCP Server"/)
    if (i === 1) t.match(res.headers['www-authenticate'], /^Bearer realm="MCP Server"/)
  }
  t.comment(`3,000 anonymous requests in ${Math.round(performance.now() - started)} ms`)
  t.same(app.auth.lockout.counts('127.0.0.1', ADMIN_USER), { address: 0, user: 0, token: 0 }, 'nothing counted')
  t.equal((await app.inject({ url: '/audit', headers: adminHeaders })).statusCode, 200, 'the admin is not locked out by them')
  await app.close()
  t.same(await failedLogins(t, dataDir), [], 'no entry, not even on close')
})

t.test('3,000 bad passwords from one address: one entry with the count', async (t) => {
  const dataDir = tempDir(t)
  const { app } = await build(t, { loginFailureMax: 100_000, loginUserFailureMax: 100_000, rateLimitMax: 100_000, authAuditWindowMs: 60_000 }, dataDir)
  const started = performance.now()
  for (let i = 0; i < 3000; i++) {
    const res = await app.inject({ url: '/audit', headers: wrong, ...at('198.51.100.7') })
    if (res.statusCode !== 401) { t.fail(`request ${i}: ${res.statusCode}`); break }
  }
  t.comment(`3,000 bad passwords in ${Math.round(performance.now() - started)} ms`)
  await app.close() // the window is still open: closing writes it
  const entries = await failedLogins(t, dataDir)
  t.equal(entries.length, 1, 'one entry')
  t.match(entries[0], { clientIp: '198.51.100.7', target: { type: 'route', id: '/audit' }, reason: '3000 failed logins', metadata: { count: 3000, basic: 3000, bearer: 0, locked: 0, users: [ADMIN_USER], routes: ['/audit'], windowMs: 60_000 } })
})

t.test('the entry is written when the window ends, one per address', async (t) => {
  const { app } = await build(t, { authAuditWindowMs: 200 })
  for (let i = 0; i < 3; i++) await app.inject({ url: '/events', headers: wrong, ...at('10.0.0.1') })
  await app.inject({ url: '/events', headers: basic('root', 'x'), ...at('10.0.0.2') })
  let entries: Array<{ clientIp: string, metadata: { count: number, users: string[] } }> = []
  for (let i = 0; i < 100 && entries.length < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    entries = (await app.inject({ url: '/audit?action=auth.login_failed', headers: adminHeaders })).json().entries
  }
  const byIp = Object.fromEntries(entries.map((e) => [e.clientIp, e.metadata]))
  t.match(byIp['10.0.0.1'], { count: 3, users: ['admin'] })
  t.match(byIp['10.0.0.2'], { count: 1, users: [] }, 'a name that is no user\'s is not written')
})

t.test('per address: locked after MCP_LOGIN_FAILURE_MAX, 429 JSON with Retry-After; tokens and other addresses unaffected', async (t) => {
  const { app } = await build(t, { loginFailureMax: 3, ingestTokens: [TOKEN] })
  for (let i = 0; i < 3; i++) t.equal((await app.inject({ url: '/events', headers: wrong })).statusCode, 401)
  const locked = await app.inject({ url: '/events', headers: wrong })
  t.equal(locked.statusCode, 429)
  t.match(locked.headers['content-type'], /^application\/json/)
  t.ok(Number(locked.headers['retry-after']) > 0, 'Retry-After')
  t.match(locked.json(), { statusCode: 429, error: 'Too Many Requests', message: /too many failed logins; retry in \d+ s/ })
  t.equal((await app.inject({ url: '/events', headers: adminHeaders })).statusCode, 429, 'the right password waits too')
  t.equal((await app.inject({ url: '/events', headers: adminHeaders, ...at('10.0.0.9') })).statusCode, 200, 'another address is not affected')
  const ingest = await app.inject({ method: 'POST', url: '/events', headers: { authorization: 'Bearer ' + TOKEN }, payload: { type: 'x' } })
  t.equal(ingest.statusCode, 201, 'a valid ingest token from the locked address is served')
  t.equal((await app.inject({ url: '/audit', headers: { authorization: 'Bearer ' + TOKEN } })).statusCode, 200, 'on an admin-or-token route too')
  t.equal((await app.inject({ url: '/events' })).statusCode, 401, 'no credentials: still the challenge')
})

t.test('per user: many addresses lock the user out, but not from where it logged in recently', async (t) => {
  const { app } = await build(t, { loginFailureMax: 1000, loginUserFailureMax: 5, ingestTokens: [TOKEN] })
  t.equal((await app.inject({ url: '/events', headers: adminHeaders, ...at('192.0.2.7') })).statusCode, 200, 'the admin logs in from its desk')
  for (let i = 0; i < 20; i++) await app.inject({ url: '/events', headers: basic('nobody', 'x'), ...at(`203.0.113.${i}`) })
  t.equal((await app.inject({ url: '/events', headers: adminHeaders, ...at('198.51.100.1') })).statusCode, 200, 'guesses at other names do not lock the admin')
  for (let i = 0; i < 5; i++) await app.inject({ url: '/events', headers: basic('nobody', 'x'), ...at(`203.0.113.${i}`) })
  t.equal((await app.inject({ url: '/events', headers: basic('nobody', 'x'), ...at('198.51.100.3') })).statusCode, 429, 'a name that is no user\'s locks as a real one would: a 429 does not tell them apart')
  for (let i = 0; i < 5; i++) t.equal((await app.inject({ url: '/events', headers: wrong, ...at(`203.0.113.${i}`) })).statusCode, 401)
  const elsewhere = await app.inject({ url: '/events', headers: adminHeaders, ...at('198.51.100.2') })
  t.equal(elsewhere.statusCode, 429, 'the user is locked at a new address')
  t.ok(Number(elsewhere.headers['retry-after']) > 0)
  t.equal((await app.inject({ url: '/events', headers: adminHeaders, ...at('192.0.2.7') })).statusCode, 200, 'not at the address it logged in from')
  t.equal((await app.inject({ method: 'POST', url: '/events', headers: { authorization: 'Bearer ' + TOKEN }, payload: { type: 'x' }, ...at('198.51.100.2') })).statusCode, 201, 'a locked user never blocks a valid ingest token')
})

t.test('bearer tokens: their own counter per address', async (t) => {
  const { app } = await build(t, { loginFailureMax: 3, tokenFailureMax: 2, ingestTokens: [TOKEN] })
  const bad = { authorization: 'Bearer ' + 'x'.repeat(30) }
  for (let i = 0; i < 2; i++) t.equal((await app.inject({ method: 'POST', url: '/events', headers: bad, payload: { type: 'x' } })).statusCode, 401)
  const locked = await app.inject({ method: 'POST', url: '/events', headers: { authorization: 'Bearer ' + TOKEN }, payload: { type: 'x' } })
  t.equal(locked.statusCode, 429, 'the address is locked for tokens')
  t.ok(Number(locked.headers['retry-after']) > 0)
  t.equal((await app.inject({ method: 'POST', url: '/events', headers: { authorization: 'Bearer ' + TOKEN }, payload: { type: 'x' }, ...at('10.0.0.9') })).statusCode, 201, 'another address is not')
  t.equal((await app.inject({ url: '/events', headers: adminHeaders })).statusCode, 200, 'the admin at that address is not locked by wrong tokens')
  t.same(app.auth.lockout.counts('127.0.0.1'), { address: 0, user: 0, token: 2 })
})

t.test('the lock-out settings are validated, naming the variable', async (t) => {
  const dataDir = tempDir(t)
  for (const [name, value, re] of [
    ['MCP_LOGIN_USER_FAILURE_MAX', '0', /MCP_LOGIN_USER_FAILURE_MAX: .*1/],
    ['MCP_TOKEN_FAILURE_MAX', 'ten', /MCP_TOKEN_FAILURE_MAX must be an integer/],
    ['MCP_AUTH_AUDIT_WINDOW_MS', '5', /MCP_AUTH_AUDIT_WINDOW_MS: .*100/],
    ['MCP_LOGIN_KNOWN_ADDRESS_MS', '-1', /MCP_LOGIN_KNOWN_ADDRESS_MS: .*0/],
  ] as const) {
    t.throws(() => loadConfig({ env: { MCP_DATA_DIR: dataDir, [name]: value } }), re, name)
    t.throws(() => loadConfig({ env: { MCP_DATA_DIR: dataDir, [name]: value } }), ConfigError)
  }
  const c = loadConfig({ env: { MCP_LOGIN_USER_FAILURE_MAX: '50', MCP_TOKEN_FAILURE_MAX: '20', MCP_AUTH_AUDIT_WINDOW_MS: '30000', MCP_LOGIN_KNOWN_ADDRESS_MS: '3600000' } })
  t.match(c, { loginUserFailureMax: 50, tokenFailureMax: 20, authAuditWindowMs: 30_000, loginKnownAddressMs: 3_600_000 })
  const d = loadConfig({ env: {} })
  t.match(d, { loginFailureMax: 10, loginUserFailureMax: 100, tokenFailureMax: 100, authAuditWindowMs: 60_000 }, 'the defaults')
})
