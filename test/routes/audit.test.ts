import t from 'tap'
import { build, adminHeaders } from '../helper.js'

const entry = (over: Record<string, unknown> = {}) => ({
  actor: { type: 'agent', id: 'agent-007', name: 'Refund bot', onBehalfOf: 'alice' },
  action: 'order.refund',
  target: { type: 'order', id: 'o-1' },
  outcome: 'success',
  model: 'gpt-4o',
  tool: 'refund',
  argumentsHash: 'sha256:abc',
  metadata: { amount: 12.5 },
  ...over,
})

t.test('POST /audit without credentials is a challenge; with a wrong password, the failure itself is audited', async (t) => {
  const { app } = await build(t, { authAuditWindowMs: 100 })
  const res = await app.inject({ method: 'POST', url: '/audit', payload: entry() })
  t.equal(res.statusCode, 401)
  const wrong = 'Basic ' + Buffer.from('admin:wrong-password').toString('base64')
  t.equal((await app.inject({ method: 'POST', url: '/audit', headers: { authorization: wrong }, payload: entry() })).statusCode, 401)
  // the audit plugin writes the address's failures once their window has ended
  let failed
  for (let i = 0; i < 100 && !failed; i++) {
    const page = await app.inject({ url: '/audit?action=auth.', headers: adminHeaders })
    t.equal(page.statusCode, 200)
    failed = page.json().entries[0]
    if (!failed) await new Promise((resolve) => setTimeout(resolve, 20))
  }
  t.match(failed, { action: 'auth.login_failed', outcome: 'denied', actor: { type: 'system' }, target: { type: 'route', id: '/audit' }, metadata: { count: 1, users: ['admin'] } })
})

t.test('a bearer token may append; the hub adds seq, hash chain and who submitted', async (t) => {
  const token = 'a'.repeat(32)
  const { app } = await build(t, { ingestTokens: [token] })
  const bad = await app.inject({ method: 'POST', url: '/audit', headers: { authorization: 'Bearer ' + 'b'.repeat(32) }, payload: entry() })
  t.equal(bad.statusCode, 401)
  const res = await app.inject({ method: 'POST', url: '/audit', headers: { authorization: 'Bearer ' + token, 'x-request-id': 'r1' }, payload: entry() })
  t.equal(res.statusCode, 201, res.body)
  const e = res.json()
  t.match(e, { action: 'order.refund', actor: { type: 'agent', id: 'agent-007', onBehalfOf: 'alice' }, model: 'gpt-4o', submittedBy: /^service:token-/ })
  t.match(e.hash, /^[0-9a-f]{64}$/)
  const second = (await app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: entry({ outcome: 'denied' }) })).json()
  t.equal(second.seq, e.seq + 1)
  t.equal(second.prevHash, e.hash, 'each entry links to the one before')
  t.equal(second.submittedBy, 'user:admin')
  const got = await app.inject({ url: `/audit/${e.id}`, headers: adminHeaders })
  t.same(got.json(), e)
  t.equal((await app.inject({ url: '/audit/nope', headers: adminHeaders })).statusCode, 404)
})

t.test('bad entries are refused naming the field; a batch is all or nothing', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: entry({ outcome: 'maybe' }) })
  t.equal(res.statusCode, 400)
  t.match(res.json().message, /body\/outcome/)
  // a system actor of the client's own is accepted (original-clients-audit.test.ts); the hub's own id is not
  const sys = await app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: entry({ actor: { type: 'system', id: 'mcp-server' } }) })
  t.equal(sys.statusCode, 400)
  t.match(sys.json().message, /body\/actor\/id mcp-server is the hub's own system actor/)
  const big = await app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: entry({ metadata: { blob: 'x'.repeat(20_000) } }) })
  t.equal(big.statusCode, 400)
  t.match(big.json().message, /MCP_AUDIT_METADATA_MAX_BYTES/)
  const batch = await app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: [entry(), entry({ action: 'bad action' })] })
  t.equal(batch.statusCode, 400)
  t.match(batch.json().message, /body\/1\/action/)
  const count = (await app.inject({ url: '/audit?action=order.', headers: adminHeaders })).json().entries.length
  t.equal(count, 0, 'nothing of the refused batch is stored')
  const ok = await app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: [entry(), entry({ action: 'order.cancel' })] })
  t.equal(ok.statusCode, 201)
  const receipts = ok.json().accepted
  t.same(receipts.map((r: { index: number }) => r.index), [0, 1])
  t.equal(receipts[1].seq, receipts[0].seq + 1)
  t.same((await app.inject({ url: `/audit/${receipts[1].id}`, headers: adminHeaders })).json().hash, receipts[1].hash)
})

t.test('query filters and cursor', async (t) => {
  const { app } = await build(t)
  const items = []
  for (let i = 0; i < 25; i++) {
    items.push(entry({
      actor: { type: i % 2 ? 'agent' : 'user', id: `a${i % 3}`, ...(i % 5 === 0 ? { onBehalfOf: 'bob' } : {}) },
      action: i % 4 === 0 ? 'order.refund' : 'cart.clear',
      target: { type: 'order', id: `o${i % 2}` },
      outcome: i % 7 === 0 ? 'failure' : 'success',
    }))
  }
  t.equal((await app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: items })).statusCode, 201)
  const q = async (qs: string) => (await app.inject({ url: '/audit?' + qs, headers: adminHeaders })).json()
  t.equal((await q('action=order')).entries.length, 7)
  t.equal((await q('action=order.refund')).entries.length, 7)
  t.equal((await q('action=cart.')).entries.length, 18)
  t.equal((await q('actorId=a1')).entries.length, 8)
  t.equal((await q('actorType=agent')).entries.length, 12)
  t.equal((await q('onBehalfOf=bob')).entries.length, 5)
  t.equal((await q('targetType=order&targetId=o1')).entries.length, 12)
  t.equal((await q('outcome=failure')).entries.length, 4)
  t.equal((await q('since=2000-01-01T00:00:00Z&until=2001-01-01T00:00:00Z')).entries.length, 0)
  const seen: number[] = []
  let cursor: string | null = null
  do {
    const page: { entries: Array<{ seq: number }>, nextCursor: string | null } = await q(`limit=10${cursor ? `&cursor=${cursor}` : ''}`)
    seen.push(...page.entries.map((e) => e.seq))
    cursor = page.nextCursor
  } while (cursor)
  t.same(seen, Array.from({ length: 25 }, (_, i) => 25 - i), 'pages cover every entry once, newest first')
  t.equal((await app.inject({ url: '/audit?cursor=garbage', headers: adminHeaders })).statusCode, 400)
})

t.test('verify, public key, export; the audit.appended topic', async (t) => {
  const { app } = await build(t, { auditCheckpointEvery: 10 })
  const seen: number[] = []
  app.bus.subscribe('audit.appended', ({ entries }) => seen.push(...entries.map((e) => e.seq)))
  // a checkpoint signs the tail once 10 entries follow the last one; the last 3 are signed on demand
  for (const n of [10, 10, 3]) await app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: Array.from({ length: n }, () => entry()) })
  t.same(seen, Array.from({ length: 23 }, (_, i) => i + 1))
  await app.audit.checkpoint()
  const v = await app.inject({ url: '/audit/verify', headers: adminHeaders })
  t.same(v.json(), { ok: true, checked: 23, firstBrokenSeq: null, reason: null, checkpointsVerified: 3, lastSeq: 23 })
  t.equal((await app.inject({ url: '/audit/verify' })).statusCode, 401)
  const pk = (await app.inject({ url: '/audit/public-key' })).json()
  t.match(pk, { algorithm: 'Ed25519', pem: /BEGIN PUBLIC KEY/ })
  const ex = await app.inject({ url: '/audit/export', headers: adminHeaders })
  t.equal(ex.statusCode, 200)
  t.match(ex.headers['content-type'], /application\/x-ndjson/)
  const lines = ex.body.trim().split('\n').map((l) => JSON.parse(l))
  t.match(lines[0], { type: 'header', format: 'mcp-audit-bundle', publicKeys: [{ keyId: pk.keyId }] })
  t.same(lines.filter((l) => l.type === 'checkpoint').map((l) => l.seq), [10, 20, 23])
  t.equal(lines.filter((l) => l.type === 'entry').length, 23)
})
