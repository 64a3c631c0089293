// PostgreSQL migrations: several instances opening one schema at once migrate it exactly once (the
// advisory lock), and reopening applies nothing.
import t from 'tap'
import postgres from 'postgres'
import { pgStoresOn, TEST_DATABASE_URL } from '../../fixtures/postgres-engine.js'
import { areaList } from '../../../src/store/postgres/areas.js'

const expected = areaList.flatMap((a) => a.migrations.map((m) => `${a.name}:${m.version}`)).sort()

t.test('five stores opening one schema at once apply each migration once', async (t) => {
  // the backup area reads the other areas' tables and has none of its own
  t.same(areaList.filter((a) => a.migrations.length === 0).map((a) => a.name), ['backup'], 'every area with tables has migrations')
  const { schema, open } = await pgStoresOn(t, { poolMax: 2 })
  const stores = await Promise.all([open(), open(), open(), open(), open()])
  const applied = stores.flatMap((s) => s.applied).sort()
  t.same(applied, expected, 'between them, the five applied each migration exactly once')
  t.equal(stores.filter((s) => s.applied.length > 0).length, 1, 'one instance migrated, the others waited and found it done')
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} })
  t.teardown(() => admin.end({ timeout: 5 }))
  const rows = await admin.unsafe(`SELECT area || ':' || version AS k FROM "${schema}".schema_migrations ORDER BY 1`)
  t.same(rows.map((r) => r.k).sort(), expected, 'schema_migrations records each once')
  const again = await open()
  t.same(again.applied, [], 'reopening applies nothing')
  await again.ping()
})

t.test('a database that cannot be reached fails the open as unavailable, without hanging', async (t) => {
  const { createPostgresStore } = await import('../../../src/store/postgres/postgres-store.js')
  // a port nothing listens on: an ephemeral listener opened and closed
  const net = await import('node:net')
  const port = await new Promise<number>((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)) }) })
  await t.rejects(createPostgresStore({ url: `postgres://postgres@127.0.0.1:${port}/test`, connectTimeoutSeconds: 2 }), { name: 'StoreUnavailableError', kind: 'unavailable' })
})
