// 401 and 429 answers of the guards carry the security headers, as every other answer does, and
// their content type is the one the OpenAPI document gives them: JSON.
import tap from 'tap'
import { build, adminHeaders } from '../helper.js'

interface Operation { security?: unknown[], responses?: Record<string, { content?: Record<string, unknown> }> }
const TOKEN = 'an-ingest-token-long-enough'

const securityHeaders = (t: Pick<typeof tap, 'equal' | 'match'>, headers: Record<string, unknown>, what: string) => {
  t.equal(headers['x-content-type-options'], 'nosniff', `${what}: X-Content-Type-Options`)
  t.match(headers['content-security-policy'], /default-src 'self'/, `${what}: Content-Security-Policy`)
  t.equal(headers['x-frame-options'], 'SAMEORIGIN', `${what}: X-Frame-Options`)
}

tap.test('every guarded operation: its 401 is documented as JSON, and sent as JSON with the security headers', async (t) => {
  const { app } = await build(t, { ingestTokens: [TOKEN], loginFailureMax: 100_000, tokenFailureMax: 100_000, rateLimitMax: 100_000 })
  const doc = (await app.inject({ url: '/docs/json' })).json() as { paths: Record<string, Record<string, Operation>> }
  let checked = 0
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!op.security?.length) continue
      const what = `${method.toUpperCase()} ${path}`
      for (const status of ['401', '429']) {
        t.same(Object.keys(op.responses?.[status]?.content ?? {}), ['application/json'], `${what}: ${status} documented as JSON`)
      }
      const url = path.replace(/\{[^}]+\}/g, 'x')
      for (const authorization of [undefined, 'Basic ' + Buffer.from('admin:wrong').toString('base64'), 'Bearer ' + 'y'.repeat(30)]) {
        const res = await app.inject({ method: method.toUpperCase() as 'GET', url, headers: authorization ? { authorization } : {} })
        t.equal(res.statusCode, 401, `${what} with ${authorization?.split(' ')[0] ?? 'nothing'}`)
        t.match(res.headers['content-type'], /^application\/json/, `${what}: sent as JSON`)
        t.match(res.json(), { statusCode: 401, error: 'Unauthorized', message: String })
        securityHeaders(t, res.headers, what)
      }
      checked++
    }
  }
  t.ok(checked >= 60, `${checked} guarded operations`)
  t.ok(doc.paths['/mcp'].post.responses?.['2XX'], '/mcp keeps a documented success')
})

tap.test('the lock-out 429 and the rate limit 429 carry them too', async (t) => {
  const { app } = await build(t, { loginFailureMax: 1, tokenFailureMax: 1, ingestTokens: [TOKEN] })
  const wrong = { authorization: 'Basic ' + Buffer.from('admin:wrong').toString('base64') }
  t.equal((await app.inject({ url: '/audit', headers: wrong })).statusCode, 401)
  const locked = await app.inject({ url: '/audit', headers: wrong })
  t.equal(locked.statusCode, 429)
  t.match(locked.headers['content-type'], /^application\/json/)
  securityHeaders(t, locked.headers, 'Basic lock-out')
  // the ingest route opts out of the headers for its answers, not for its guard's refusals
  const bad = { authorization: 'Bearer ' + 'y'.repeat(30) }
  t.equal((await app.inject({ method: 'POST', url: '/events', headers: bad, payload: { type: 'x' } })).statusCode, 401)
  const tokenLocked = await app.inject({ method: 'POST', url: '/events', headers: bad, payload: { type: 'x' } })
  t.equal(tokenLocked.statusCode, 429)
  securityHeaders(t, tokenLocked.headers, 'token lock-out')
  const ok = await app.inject({ method: 'POST', url: '/events', headers: { authorization: 'Bearer ' + TOKEN }, payload: { type: 'x' }, remoteAddress: '10.0.0.2' })
  t.equal(ok.statusCode, 201)
  t.notOk(ok.headers['content-security-policy'], 'a served ingest request still goes without them')

  const { app: limited } = await build(t, { rateLimitMax: 2 })
  let last
  for (let i = 0; i < 3; i++) last = await limited.inject({ url: '/audit', headers: adminHeaders })
  t.equal(last!.statusCode, 429)
  t.match(last!.headers['content-type'], /^application\/json/)
  securityHeaders(t, last!.headers, 'rate limit')
})
