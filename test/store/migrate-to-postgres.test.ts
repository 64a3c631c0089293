// `mcp-server migrate --to postgres://…` end to end: a SQLite hub with events, an audit trail with
// checkpoints and context is moved into a fresh PostgreSQL schema by the real command line; a hub
// built on that database then verifies the chain (/audit/verify), exports a bundle the offline CLI
// verifies, and goes on appending to the same trail.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build, adminHeaders, tempDir } from '../helper.js'
import { PROCESS_TEST_TIMEOUT_MS, runCli } from '../server-process.js'
import { tempSchema, TEST_DATABASE_URL } from '../fixtures/postgres-engine.js'

t.setTimeout(PROCESS_TEST_TIMEOUT_MS)

t.test('a SQLite hub moves into PostgreSQL, audit chain included, and the chain verifies there', async (t) => {
  const dataDir = tempDir(t)
  const schema = tempSchema(t)
  const sqliteHub = await build(t, { auditCheckpointEvery: 5 }, dataDir)
  const events = Array.from({ length: 30 }, (_, i) => ({ type: 'order.created', source: 'shop', id: `o-${i}`, data: { i } }))
  t.equal((await sqliteHub.app.inject({ method: 'POST', url: '/events', headers: adminHeaders, payload: events })).statusCode, 207, 'events posted')
  for (let i = 0; i < 3; i++) {
    await sqliteHub.app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: Array.from({ length: 4 }, (_, j) => ({ actor: { type: 'user', id: 'bob' }, action: 'order.refund', outcome: 'success', metadata: { i, j } })) })
  }
  await sqliteHub.app.audit.checkpoint()
  const model = await sqliteHub.app.inject({ method: 'POST', url: '/context/models', headers: adminHeaders, payload: { id: 'm1', name: 'Model one' } })
  t.equal(model.statusCode, 201, model.body)
  const before = (await sqliteHub.app.inject({ url: '/audit/verify', headers: adminHeaders })).json()
  t.match(before, { ok: true })
  const eventCount = (await sqliteHub.app.inject({ url: '/events?limit=100', headers: adminHeaders })).json().events.length
  await sqliteHub.app.close()

  const moved = await runCli(['migrate', '--to', TEST_DATABASE_URL, '--schema', schema, '--data-dir', dataDir])
  t.equal(moved.code, 0, moved.stderr)
  const report = JSON.parse(moved.stdout)
  t.match(report.tables, { events: { read: eventCount, inserted: eventCount, skipped: 0 }, audit_entries: { read: before.lastSeq, inserted: before.lastSeq }, context_models: { inserted: 1 } })
  t.ok(report.tables.audit_checkpoints.inserted >= 1, 'the checkpoints moved')
  t.same(report.audit, { entries: before.lastSeq, lastSeq: before.lastSeq, verified: true })
  t.match(moved.stderr, /events: \d+ read, \d+ inserted, 0 skipped/)

  const again = await runCli(['migrate', '--to', TEST_DATABASE_URL, '--schema', schema, '--data-dir', dataDir])
  t.equal(again.code, 1, 'a target holding data is refused')
  t.match(again.stderr, /already holds data .*--force/)
  const forced = await runCli(['migrate', '--to', TEST_DATABASE_URL, '--schema', schema, '--data-dir', dataDir, '--force'])
  t.equal(forced.code, 0, forced.stderr)
  t.match(JSON.parse(forced.stdout).tables, { events: { inserted: 0, skipped: eventCount }, audit_entries: { inserted: 0, skipped: before.lastSeq } }, '--force merges: every row is already there')

  // a hub on PostgreSQL (the same data dir keeps the audit signing key)
  const { app } = await build(t, { databaseUrl: TEST_DATABASE_URL, databaseSchema: schema, auditCheckpointEvery: 5 }, dataDir)
  t.equal(app.store.engine, 'postgres')
  const verify = (await app.inject({ url: '/audit/verify', headers: adminHeaders })).json()
  t.match(verify, { ok: true, firstBrokenSeq: null, checkpointsVerified: report.tables.audit_checkpoints.inserted, lastSeq: before.lastSeq }, '/audit/verify passes on PostgreSQL, every moved checkpoint verified')
  t.equal((await app.inject({ url: '/events?limit=100', headers: adminHeaders })).json().events.length, eventCount, 'every event is there')
  t.match((await app.inject({ url: '/context/models/m1', headers: adminHeaders })).json(), { id: 'm1', name: 'Model one' })

  // the trail goes on from where SQLite left it, and the export verifies offline
  await app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: [{ actor: { type: 'user', id: 'carol' }, action: 'order.cancel', outcome: 'success' }] })
  await app.audit.checkpoint()
  const after = (await app.inject({ url: '/audit/verify', headers: adminHeaders })).json()
  t.match(after, { ok: true })
  t.ok(after.lastSeq > before.lastSeq, 'new entries continue the moved chain')
  const bundle = (await app.inject({ url: '/audit/export', headers: adminHeaders })).body
  const file = join(tempDir(t), 'pg.ndjson')
  writeFileSync(file, bundle)
  const hubKey = join(tempDir(t), 'hub.pem')
  writeFileSync(hubKey, app.audit.publicKey().pem)
  const offline = await runCli(['audit', 'verify', file, '--public-key', hubKey])
  t.equal(offline.code, 0, offline.stderr)
  t.match(JSON.parse(offline.stdout), { ok: true, checked: after.lastSeq })
})

t.test('migrate refuses what it cannot do, naming it', async (t) => {
  const usage = await runCli(['migrate', '--to', 'mysql://x'])
  t.equal(usage.code, 2)
  t.match(usage.stderr, /migrate needs --to postgres/)
  const none = await runCli(['migrate', '--to', TEST_DATABASE_URL, '--data-dir', join(tempDir(t), 'nothing-here')])
  t.equal(none.code, 1)
  t.match(none.stderr, /no SQLite hub in/)
})
