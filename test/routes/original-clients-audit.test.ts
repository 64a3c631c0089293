// POST /audit as clients of the original design write it: {action, agent, timestamp}.
import t from 'tap'
import { build, adminHeaders } from '../helper.js'

const post = (app: Awaited<ReturnType<typeof build>>['app'], payload: unknown, headers: Record<string, string> = adminHeaders) =>
  app.inject({ method: 'POST', url: '/audit', headers, payload: payload as object })

const nest = (depth: number): unknown => {
  let v: unknown = 1
  for (let i = 0; i < depth; i++) v = { a: v }
  return v
}

t.test("the original design's entry: the agent is the actor, the outcome unknown, the producer time in metadata", async (t) => {
  const token = 'c'.repeat(32)
  const { app } = await build(t, { ingestTokens: [token] })
  // the exact body of the original design's context structure, sent by a service with a token
  const res = await post(app, { action: 'user_delete', agent: 'admin', timestamp: 1234567890 }, { authorization: 'Bearer ' + token })
  t.equal(res.statusCode, 201, res.body)
  const e = res.json()
  t.match(e, {
    action: 'user_delete',
    actor: { type: 'agent', id: 'admin', name: null, onBehalfOf: null },
    outcome: 'unknown',
    metadata: { producerTime: '1970-01-15T06:56:07.890Z' },
    submittedBy: /^service:token-/,
  })
  t.ok(Date.parse(e.time) > Date.now() - 60_000, "the entry's time is the hub's")
  const read = await app.inject({ url: `/audit/${e.id}`, headers: adminHeaders })
  t.same(read.json(), e)
  const byOutcome = (await app.inject({ url: '/audit?outcome=unknown&actorType=agent&actorId=admin', headers: adminHeaders })).json()
  t.same(byOutcome.entries.map((x: { id: string }) => x.id), [e.id], 'outcome unknown is queryable')
  // RFC 3339, and a batch of original entries
  const batch = await post(app, [{ action: 'user_create', agent: 'admin', timestamp: '2026-12-03T06:00:00Z' }, { action: 'cart.clear', agent: 'bot-2', outcome: 'success' }])
  t.equal(batch.statusCode, 201)
  const [a, b] = batch.json().accepted
  t.same((await app.inject({ url: `/audit/${a.id}`, headers: adminHeaders })).json().metadata, { producerTime: '2026-12-03T06:00:00Z' })
  t.match((await app.inject({ url: `/audit/${b.id}`, headers: adminHeaders })).json(), { outcome: 'success', metadata: {} })
  t.match((await app.inject({ url: '/audit/verify', headers: adminHeaders })).json(), { ok: true }, 'the chain covers them')
  // still never anonymous
  t.equal((await post(app, { action: 'user_delete', agent: 'admin', timestamp: 1234567890 }, {})).statusCode, 401)
})

t.test('the documented actor type system is accepted, but not as the hub itself', async (t) => {
  const { app } = await build(t)
  const ok = await post(app, { actor: { type: 'system', id: 'nightly-backup' }, action: 'backup.run', outcome: 'success' })
  t.equal(ok.statusCode, 201, ok.body)
  t.match(ok.json(), { actor: { type: 'system', id: 'nightly-backup' } })
  const before = (await app.inject({ url: '/audit?actorType=system', headers: adminHeaders })).json().entries.length
  for (const id of ['mcp-server', 'MCP-Server']) {
    const res = await post(app, { actor: { type: 'system', id }, action: 'audit.import', outcome: 'success' })
    t.equal(res.statusCode, 400, id)
    t.match(res.json().message, /body\/actor\/id mcp-server is the hub's own system actor/)
  }
  t.equal((await app.inject({ url: '/audit?actorType=system', headers: adminHeaders })).json().entries.length, before, 'nothing stored')
})

t.test('bad original entries are refused naming the field, and store nothing', async (t) => {
  const { app } = await build(t)
  const cases: Array<[unknown, RegExp]> = [
    [{ action: 'user_delete', timestamp: 1234567890 }, /body\/actor is required \(or agent/],
    [{ action: 'user_delete', agent: 'admin', actor: { type: 'user', id: 'ana' } }, /body\/agent and body\/actor both name who acted/],
    [{ action: 'user_delete', agent: '' }, /body\/agent/],
    [{ action: 'user_delete', agent: 7 }, /body\/agent/],
    [{ action: 'user_delete', agent: 'admin', timestamp: 'last tuesday' }, /body\/timestamp must be an RFC 3339 date-time/],
    [{ action: 'user_delete', agent: 'admin', timestamp: -5 }, /body\/timestamp is out of range/],
    [{ action: 'user_delete', agent: 'admin', timestamp: 1, metadata: { producerTime: 'x' } }, /body\/metadata\/producerTime is where timestamp is kept/],
    [{ action: 'user_delete', agent: 'admin', metadata: nest(33) }, /body\/metadata is nested deeper than 32 levels/],
    [[{ action: 'a', agent: 'x' }, { action: 'b', agent: 'x', metadata: { deep: nest(32) } }], /body\/1\/metadata is nested deeper than 32 levels/],
  ]
  for (const [body, message] of cases) {
    const res = await post(app, body)
    t.equal(res.statusCode, 400, JSON.stringify(body).slice(0, 80))
    t.match(res.json(), { statusCode: 400, message }, res.json().message)
  }
  const fine = await post(app, { action: 'user_delete', agent: 'admin', metadata: nest(31) })
  t.equal(fine.statusCode, 201, 'metadata at the bound passes (32 levels with the metadata object)')
  t.equal((await app.inject({ url: '/audit?actorType=agent', headers: adminHeaders })).json().entries.length, 1, 'only that one was stored')
})
