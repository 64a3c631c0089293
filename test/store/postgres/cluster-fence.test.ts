// The leader's lease and its fence on the machine's PostgreSQL: the token grows at each new holding, a
// second holder is refused while the lease runs, and a leader whose token was overtaken has its writes to
// fenced tables refused, while unfenced connections (API writes) and the new leader write as before.
import t from 'tap'
import postgres from 'postgres'
import { TEST_DATABASE_URL, tempSchema } from '../../fixtures/postgres-engine.js'
import { migrate } from '../../../src/store/postgres/migrations.js'
import { openPool } from '../../../src/store/postgres/postgres-store.js'
import { FENCED_SQLSTATE, clusterArea, openLeaseStore } from '../../../src/store/postgres/cluster.js'
import { poolGuard } from '../../../src/store/postgres/errors.js'
import type { PgArea } from '../../../src/store/postgres/area.js'

// a fenced table and a table fenced for deletes only, as the other areas create them before the cluster area
const tables: PgArea = {
  name: 'fixture',
  migrations: [{ version: 1, name: 'tables', up: 'CREATE TABLE notifier_outbox (id TEXT PRIMARY KEY, status TEXT NOT NULL); CREATE TABLE events (seq BIGSERIAL PRIMARY KEY, type TEXT NOT NULL)' }],
  open: () => null,
}

async function setup (tt: typeof t) {
  const schema = tempSchema(tt)
  const pools: postgres.Sql[] = []
  tt.teardown(async () => { for (const p of pools) await p.end({ timeout: 5 }) })
  const pool = (fence?: number) => { const p = openPool({ url: TEST_DATABASE_URL, schema, poolMax: 2, fence }); pools.push(p); return p }
  const sql = pool()
  await migrate(sql, schema, [tables, clusterArea])
  return { sql, pool, lease: openLeaseStore({ sql, schema, guarded: poolGuard(sql) }) }
}

t.test('the lease: one holder at a time, a token that only grows', async (t) => {
  const { lease } = await setup(t)
  t.equal(await lease.current(), null, 'nobody held it yet')
  t.equal(await lease.acquire('a', 60_000), 1, 'the first holder gets token 1')
  t.equal(await lease.acquire('b', 60_000), null, 'a second instance is refused while the lease runs')
  t.equal(await lease.acquire('a', 60_000), 1, 'a renewal keeps the token')
  await lease.release('b')
  t.equal((await lease.current())?.holder, 'a', 'releasing is only the holder\'s to do')
  await lease.release('a')
  t.equal(await lease.acquire('b', 60_000), 2, 'after a release another instance takes over with the next token')
  t.equal(await lease.acquire('a', 60_000), null, 'the old holder is refused')
  await lease.release('b')
  t.equal(await lease.acquire('b', 60_000), 3, 'the same holder taking the lease again after it ended gets a new token')
  const cur = await lease.current()
  t.equal(cur?.token, 3)
  t.ok(cur!.expiresAt > Date.now() + 30_000, 'the lease runs for its length on the database clock')
})

t.test('an expired lease is taken over', async (t) => {
  const { lease, sql } = await setup(t)
  t.equal(await lease.acquire('a', 60_000), 1)
  // the lease as it would be once its time passed without a renewal
  await sql`UPDATE cluster_lease SET expires_at = mcp_now_ms() - 1`
  t.equal(await lease.acquire('b', 60_000), 2, 'the lease that ran out goes to the next instance')
  t.equal(await lease.acquire('a', 60_000), null)
})

t.test('a stale leader\'s writes are refused; the new leader\'s and unfenced ones pass', async (t) => {
  const { lease, pool, sql } = await setup(t)
  const t1 = await lease.acquire('a', 60_000)
  const oldLeader = pool(t1!)
  await oldLeader`INSERT INTO notifier_outbox (id, status) VALUES ('m1', 'pending')`
  t.equal((await oldLeader`SELECT current_setting('mcp.fence') AS f`)[0].f, '1', 'the pool carries the token from its startup packet')

  await lease.release('a')
  const t2 = await lease.acquire('b', 60_000)
  t.equal(t2, 2)
  const newLeader = pool(t2!)

  const refused = await oldLeader`UPDATE notifier_outbox SET status = 'sent' WHERE id = 'm1'`.then(() => null, (err: { code?: string }) => err)
  t.equal(refused?.code, FENCED_SQLSTATE, 'the old leader\'s late update is refused')
  const insert = await oldLeader`INSERT INTO notifier_outbox (id, status) VALUES ('m2', 'pending')`.then(() => null, (err: { code?: string }) => err)
  t.equal(insert?.code, FENCED_SQLSTATE, 'the old leader\'s late insert is refused')
  await sql`INSERT INTO events (type) VALUES ('x')`
  const prune = await oldLeader`DELETE FROM events`.then(() => null, (err: { code?: string }) => err)
  t.equal(prune?.code, FENCED_SQLSTATE, 'the old leader\'s retention delete is refused')
  await oldLeader`INSERT INTO events (type) VALUES ('api write')`
  t.pass('inserts into a deletes-only table are not fenced')

  await newLeader`UPDATE notifier_outbox SET status = 'sent' WHERE id = 'm1'`
  await sql`INSERT INTO notifier_outbox (id, status) VALUES ('m3', 'pending')`
  const rows = await sql<Array<{ id: string, status: string }>>`SELECT id, status FROM notifier_outbox ORDER BY id`
  t.same(rows.map((r) => `${r.id}:${r.status}`), ['m1:sent', 'm3:pending'], 'the new leader and unfenced writes went through; nothing of the refused ones')
  t.equal((await sql`SELECT count(*)::int AS n FROM events`)[0].n, 2, 'the refused delete deleted nothing')
})

t.test('a takeover waits for a fenced write under way, and writes after it are refused', async (t) => {
  const { lease, pool, sql } = await setup(t)
  const oldLeader = pool((await lease.acquire('a', 60_000))!)
  await lease.release('a')
  let takeover: Promise<number | null> | null = null
  await oldLeader.begin(async (tx) => {
    await tx`INSERT INTO notifier_outbox (id, status) VALUES ('in-flight', 'pending')`
    // the takeover blocks on the share lock this transaction holds on the lease row
    let settled = false
    takeover = lease.acquire('b', 60_000).finally(() => { settled = true })
    let waiting = 0
    // eslint-disable-next-line no-unmodified-loop-condition -- the takeover's promise sets it
    for (let i = 0; i < 200 && !settled && waiting === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25))
      waiting = (await sql`SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.query LIKE '%cluster_lease%'`)[0].n
    }
    t.equal(settled, false, 'the takeover did not get through while the fenced write was open')
    t.ok(waiting > 0, 'the takeover waits on the lease row\'s lock')
    t.equal((await sql`SELECT token FROM cluster_lease`)[0].token, 1)
  })
  t.equal(await takeover, 2, 'the takeover completed once the write committed')
  t.equal((await sql`SELECT count(*)::int AS n FROM notifier_outbox WHERE id = 'in-flight'`)[0].n, 1, 'the write that came first is kept')
  const late = await oldLeader`INSERT INTO notifier_outbox (id, status) VALUES ('late', 'pending')`.then(() => null, (err: { code?: string }) => err)
  t.equal(late?.code, FENCED_SQLSTATE, 'a write after the takeover is refused')
})
