// Two hub instances on one PostgreSQL schema: event appends and audit appends from both at once.
// A reader paging with afterSeq never skips an event (seq order is commit order), a producer key is
// stored once whichever instance sends it, the audit chain never forks, reads are served by indexes
// and retention drops whole day partitions.
import t from 'tap'
import { pgStoresOn } from '../../fixtures/postgres-engine.js'
import type { PostgresStore } from '../../../src/store/postgres/postgres-store.js'
import { createChainAppender } from '../../../src/domain/audit/chain-appender.js'
import { ChainVerifier } from '../../../src/domain/audit/chain-verifier.js'
import { draft, ev } from '../contract.js'

const DAY = 86_400_000
t.test('two instances append at once: a reader paging with afterSeq sees every event, each producer key is stored once', async (t) => {
  const { open } = await pgStoresOn(t, { poolMax: 6 })
  const [a, b] = await Promise.all([open(), open()])
  const acked: number[] = []
  const keyed = new Map<string, Set<string>>()
  let writing = true
  const writer = async (store: PostgresStore, name: string, caller: number) => {
    for (let i = 0; i < 25; i++) {
      // every third append carries a producer key both instances send
      const key = i % 3 === 0 ? `k-${caller}-${i}` : null
      const batch = Array.from({ length: 1 + (i % 3) }, (_, j) => ev({ source: key && 'shared', producerId: key && `${key}-${j}`, payloadJson: `{"by":"${name}"}` }))
      const out = await store.events.append(batch)
      for (let j = 0; j < out.length; j++) {
        if (!out[j].duplicate) acked.push(out[j].seq)
        if (batch[j].producerId) {
          const ids = keyed.get(batch[j].producerId!) ?? new Set()
          ids.add(`${out[j].id}/${out[j].seq}`)
          keyed.set(batch[j].producerId!, ids)
        }
      }
    }
  }
  const seen: number[] = []
  const reader = async () => {
    let after = 0
    for (;;) {
      const done = !writing
      const page = await b.events.query({ afterSeq: after, order: 'asc', limit: 50 })
      for (const e of page) seen.push(e.seq)
      if (page.length > 0) after = page[page.length - 1].seq
      else if (done) return
    }
  }
  const reading = reader()
  await Promise.all(Array.from({ length: 8 }, (_, c) => writer(c % 2 ? a : b, c % 2 ? 'a' : 'b', c >> 1)))
  writing = false
  await reading
  const stored = (await a.events.query({ order: 'asc', limit: 10_000 })).map((e) => e.seq)
  t.equal(stored.length, acked.length, 'every acknowledged event is stored once')
  t.same(seen, stored, 'the reader paging with afterSeq during the writes saw every stored event, in seq order, none skipped')
  t.same([...acked].sort((x, y) => x - y), stored)
  t.ok([...keyed.values()].every((ids) => ids.size === 1), 'both instances answered each producer key with the one stored event')
})

t.test('the same producer keys sent by two instances at the same moment are stored once', async (t) => {
  const { open } = await pgStoresOn(t)
  const [a, b] = await Promise.all([open(), open()])
  const batch = () => Array.from({ length: 200 }, (_, i) => ev({ source: 'race', producerId: `p-${i}` }))
  const [outA, outB] = await Promise.all([a.events.append(batch()), b.events.append(batch())])
  t.equal(await a.events.count(), 200, 'each key once')
  t.same(outA.map((o) => [o.id, o.seq]), outB.map((o) => [o.id, o.seq]), 'both answer the stored event of each key')
  t.equal(outA.filter((o) => o.duplicate).length + outB.filter((o) => o.duplicate).length, 200, 'one of the two sends of each key is the duplicate')
})

t.test('two instances append audit entries at once through their chain appenders: all stored, one chain', async (t) => {
  const { open } = await pgStoresOn(t)
  const [a, b] = await Promise.all([open(), open()])
  const one = createChainAppender(a.audit)
  const two = createChainAppender(b.audit)
  let total = 0
  for (let wave = 0; wave < 6; wave++) {
    const calls = Array.from({ length: 16 }, (_, i) => (i % 2 ? one : two).append(Array.from({ length: 1 + (i % 3) }, () => draft())))
    const asked = [...Array(16).keys()].reduce((n, i) => n + 1 + (i % 3), 0)
    total += asked
    const answers = await Promise.all(calls)
    t.equal(answers.flat().length, asked, `wave ${wave}: every batch stored`)
  }
  const entries = await a.audit.range(1, Number.MAX_SAFE_INTEGER, 100_000)
  const v = new ChainVerifier(new Map())
  for (const e of entries) v.add(e)
  const result = v.finish()
  t.same({ ok: result.ok, reason: result.reason, lastSeq: result.lastSeq }, { ok: true, reason: null, lastSeq: total }, 'the stored chain verifies, unforked')
  t.equal(await b.audit.count(), total)
  t.equal(new Set(entries.map((e) => e.metadata.n)).size, total, 'each draft stored once')
})

async function plan (store: PostgresStore, text: string, args: unknown[]): Promise<string> {
  const rows = await store.sql.unsafe(`EXPLAIN ${text}`, args as never[])
  return rows.map((r) => r['QUERY PLAN']).join('\n')
}

t.test('event reads are served by indexes, time bounds read only their days, retention drops whole days', async (t) => {
  const { open } = await pgStoresOn(t)
  const store = await open()
  const now = Date.now()
  const sev = ['INFO', 'WARN', 'ERROR'] as const
  for (let d = 0; d < 3; d++) {
    await store.events.append(Array.from({ length: 4000 }, (_, i) => ev({ type: `t.${i % 50}`, source: `s${i % 40}`, severity: sev[i % 3], receivedAt: now - (d * DAY) - i })))
  }
  await store.sql`ANALYZE events`
  const q = 'SELECT * FROM events'
  t.match(await plan(store, `${q} WHERE type = $1 ORDER BY seq DESC LIMIT 20`, ['t.7']), /Index Scan.*events_p\d+_type_seq_idx/, 'type filter: the type index')
  t.match(await plan(store, `${q} WHERE source = $1 AND seq < $2 ORDER BY seq DESC LIMIT 20`, ['s3', 10_000]), /Index Scan.*events_p\d+_source_seq_idx/, 'source filter with beforeSeq: the source index')
  t.match(await plan(store, `${q} WHERE severity_number >= $1 ORDER BY seq DESC LIMIT 20`, [17]), /Index Scan.*events_p\d+_(severity_number_seq_idx|pkey)/, 'min severity: an index')
  t.match(await plan(store, `${q} WHERE seq > $1 ORDER BY seq ASC LIMIT 20`, [5000]), /Index (Only )?Scan.*events_p\d+_pkey/, 'afterSeq: the seq key')
  t.match(await plan(store, `${q} WHERE id = $1 LIMIT 1`, ['x']), /Index Scan.*events_p\d+_id_idx/, 'get by id: the id index')
  const bounded = await plan(store, `${q} WHERE received_at >= $1 AND received_at < $2 ORDER BY seq DESC LIMIT 20`, [now - 1000, now + 1])
  t.equal(bounded.match(/events_p\d{8}/g)?.filter((n, i, all) => all.indexOf(n) === i).length, 1, 'a bound within one day reads that day\'s partition only')

  const partitions = async () => (await store.sql`SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'events'::regclass`)[0].n
  const before = await partitions()
  const cut = Math.floor((now - DAY) / DAY) * DAY
  const older = (await store.events.query({ until: cut, limit: 100_000 })).length
  t.ok(older >= 4000, 'the events of whole days before the bound')
  t.equal(await store.events.prune(cut), older, 'prune answers how many it removed')
  t.ok(await partitions() < before, 'whole days were dropped as partitions')
  t.equal(await store.events.count(), 12_000 - older)
  t.same(await store.events.query({ until: cut, limit: 10 }), [], 'nothing older than the bound is left')
  // an event of a dropped day comes back into a partition made again
  const [late] = await store.events.append([ev({ receivedAt: now - 2 * DAY })])
  t.ok(await store.events.get(late.id), 'a late event of a dropped day is stored')
})
