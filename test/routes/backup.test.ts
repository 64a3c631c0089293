import t from 'tap'
import { build, adminHeaders, tempDir } from '../helper.js'

const ndjson = { ...adminHeaders, 'content-type': 'application/x-ndjson' }

async function seed (app: Awaited<ReturnType<typeof build>>['app']) {
  await app.inject({ method: 'POST', url: '/events', payload: [{ type: 'order.created', source: 'order', id: 'o1', payload: { n: 1 } }, { type: 'cart.cleared', source: 'cart', severity: 'WARN' }] })
  await app.inject({ method: 'POST', url: '/context/models', headers: adminHeaders, payload: { id: 'gpt-4', name: 'GPT-4', capabilities: ['text'] } })
  await app.inject({ method: 'POST', url: '/context/agents', headers: adminHeaders, payload: { id: 'agent-1', name: 'Helper' } })
  const task = (await app.inject({ method: 'POST', url: '/context/tasks', headers: adminHeaders, payload: { name: 'tests' } })).json()
  await app.inject({ method: 'PATCH', url: `/context/tasks/${task.id}`, headers: adminHeaders, payload: { status: 'working' } })
  await app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: Array.from({ length: 12 }, (_, i) => ({ actor: { type: 'agent', id: 'agent-1', onBehalfOf: 'alice' }, action: 'order.refund', outcome: 'success', metadata: { i } })) })
  await app.audit.checkpoint()
}

async function dump (app: Awaited<ReturnType<typeof build>>['app']) {
  const get = async (url: string) => (await app.inject({ url, headers: adminHeaders })).json()
  return {
    events: (await get('/events?limit=1000')).events,
    models: (await get('/context/models')).items,
    agents: (await get('/context/agents')).items,
    tasks: (await get('/context/tasks')).items,
    audit: (await get('/audit?limit=1000')).entries,
  }
}

t.test('export, then import into an empty data dir: the same data and a verifying chain; import again changes nothing', async (t) => {
  const a = await build(t, { auditCheckpointEvery: 5 })
  await seed(a.app)
  const before = await dump(a.app)
  const exported = await a.app.inject({ url: '/export', headers: adminHeaders })
  t.equal(exported.statusCode, 200)
  t.match(exported.headers['content-type'], /application\/x-ndjson/)
  const header = JSON.parse(exported.body.split('\n')[0])
  t.match(header, { format: 'mcp-server-backup', version: 1, tables: ['events', 'audit_entries', 'audit_checkpoints', 'context_models', 'context_agents', 'context_tasks'] })
  t.equal((await a.app.inject({ url: '/export' })).statusCode, 401)

  const b = await build(t, {}, tempDir(t))
  const imported = await b.app.inject({ method: 'POST', url: '/import', headers: ndjson, payload: exported.body })
  t.equal(imported.statusCode, 200, imported.body)
  t.match(imported.json(), { inserted: { events: 2, context_models: 1, context_agents: 1, context_tasks: 1 }, audit: { ok: true } })
  const after = await dump(b.app)
  t.same(after.events, before.events)
  t.same(after.models, before.models)
  t.same(after.agents, before.agents)
  t.same(after.tasks, before.tasks)
  // the export itself was audited in A; B then appended its own entry for the import
  t.same(after.audit.slice(2), before.audit)
  t.match(after.audit[1], { action: 'backup.export', actor: { id: 'admin' } })
  t.match(after.audit[0], { action: 'backup.import', outcome: 'success', actor: { id: 'admin' } })
  const verified = (await b.app.inject({ url: '/audit/verify', headers: adminHeaders })).json()
  t.match(verified, { ok: true, firstBrokenSeq: null, lastSeq: after.audit.length })
  t.ok(verified.checkpointsVerified >= 1, "A's checkpoints verify in B with A's key, trusted by the import")
  t.not(a.app.audit.publicKey().keyId, b.app.audit.publicKey().keyId)

  const again = await b.app.inject({ method: 'POST', url: '/import', headers: ndjson, payload: exported.body })
  t.equal(again.statusCode, 200, 'idempotent by id')
  t.match(again.json(), { inserted: { events: 0, audit_entries: 0, context_tasks: 0 }, skipped: { events: 2 } })
})

t.test('a bad line is refused with its line number and nothing is imported', async (t) => {
  const a = await build(t)
  await seed(a.app)
  const lines = (await a.app.inject({ url: '/export', headers: adminHeaders })).body.trim().split('\n')
  const b = await build(t, {}, tempDir(t))
  const count = async () => (await b.app.inject({ url: '/events', headers: adminHeaders })).json().events.length

  const notJson = [...lines]
  notJson[4] = '{"table": "events", "row": '
  let res = await b.app.inject({ method: 'POST', url: '/import', headers: ndjson, payload: notJson.join('\n') })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { line: 5, message: /line 5: not valid JSON/ })

  const unknownColumn = [...lines]
  const last = JSON.parse(unknownColumn[lines.length - 1])
  last.row.colour = 'red'
  unknownColumn[lines.length - 1] = JSON.stringify(last)
  res = await b.app.inject({ method: 'POST', url: '/import', headers: ndjson, payload: unknownColumn.join('\n') })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { line: lines.length, message: new RegExp(`line ${lines.length}: .*no column colour`) })

  const missing = [...lines]
  const ev = JSON.parse(missing[1])
  t.equal(ev.table, 'events')
  delete ev.row.type
  missing[1] = JSON.stringify(ev)
  res = await b.app.inject({ method: 'POST', url: '/import', headers: ndjson, payload: missing.join('\n') })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { line: 2, message: /line 2: events.type is required/ })

  t.equal(await count(), 0, 'nothing of any refused import was stored')
  t.equal((await b.app.inject({ url: '/context/models', headers: adminHeaders })).json().items.length, 0)
  // the corrected backup still restores, trail included
  const fixed = await b.app.inject({ method: 'POST', url: '/import', headers: ndjson, payload: lines.join('\n') })
  t.equal(fixed.statusCode, 200, fixed.body)
  t.equal(await count(), 2)
})

t.test('a backup whose audit chain does not verify is refused with the first broken entry', async (t) => {
  const a = await build(t)
  await seed(a.app)
  const original = (await a.app.inject({ url: '/export', headers: adminHeaders })).body
  const lines = original.trim().split('\n')
  const i = lines.findIndex((l) => { const x = JSON.parse(l); return x.table === 'audit_entries' && x.row.seq === 6 })
  const x = JSON.parse(lines[i])
  x.row.outcome = 'denied'
  lines[i] = JSON.stringify(x)
  const b = await build(t, {}, tempDir(t))
  const res = await b.app.inject({ method: 'POST', url: '/import', headers: ndjson, payload: lines.join('\n') })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { firstBrokenSeq: 6, message: /does not verify: first broken entry seq 6: entry 6 was modified/ })
  t.equal((await b.app.inject({ url: '/events', headers: adminHeaders })).json().events.length, 0)

  // a hub with a trail of its own cannot take another trail: the chains would fork
  await b.app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: { actor: { type: 'user', id: 'x' }, action: 'a.b', outcome: 'success' } })
  const fork = await b.app.inject({ method: 'POST', url: '/import', headers: ndjson, payload: original })
  t.equal(fork.statusCode, 400)
  t.match(fork.json().message, /audit_entries already holds a different row at seq 1: .*fresh data dir/)
  t.equal((await b.app.inject({ url: '/events', headers: adminHeaders })).json().events.length, 0)
})

t.test('the import body has its own limit and content type', async (t) => {
  const { app } = await build(t, { importMaxBytes: 2048 })
  const big = await app.inject({ method: 'POST', url: '/import', headers: ndjson, payload: 'x'.repeat(4096) })
  t.equal(big.statusCode, 413)
  const json = await app.inject({ method: 'POST', url: '/import', headers: adminHeaders, payload: { format: 'mcp-server-backup' } })
  t.equal(json.statusCode, 415)
  t.equal((await app.inject({ method: 'POST', url: '/import', headers: { 'content-type': 'application/x-ndjson' }, payload: '{}' })).statusCode, 401)
})
