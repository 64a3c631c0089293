// Two hub instances on one PostgreSQL schema (two stores, two pools): the context compare-and-set, the
// notifier's grouping and outbox claims and the health rollups stay right when both write at once; the
// health reads are served by their indexes (EXPLAIN).
import t from 'tap'
import { pgStoresOn } from '../../fixtures/postgres-engine.js'
import { createRegistry } from '../../../src/domain/context/registry.js'
import type { PgNotifierStore } from '../../../src/store/postgres/notifier.js'
import type { OutboxMessage } from '../../../src/store/ports/notifier.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

t.test('context: replaces of one read from two instances: exactly one passes, round after round', async (t) => {
  const { open } = await pgStoresOn(t)
  const [a, b] = [await open(), await open()]
  await a.context.create('tasks', { id: 'job', name: 'nightly', status: 'working', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', round: 0 })
  for (let round = 1; round <= 20; round++) {
    const [readA, readB] = await Promise.all([a.context.get('tasks', 'job'), b.context.get('tasks', 'job')])
    t.same(readA, readB, 'both read the same item')
    const updatedAt = new Date(Date.UTC(2026, 0, 1, 0, round)).toISOString()
    const results = await Promise.all([
      a.context.replace('tasks', readA!, { ...readA!, round, by: 'a', updatedAt }),
      b.context.replace('tasks', readB!, { ...readB!, round, by: 'b', updatedAt }),
    ])
    if (results.filter(Boolean).length !== 1) { t.fail(`round ${round}: ${results.join(', ')} passed`); return }
    const stored = await b.context.get('tasks', 'job')
    t.equal(stored?.by, results[0] ? 'a' : 'b', `round ${round}: the stored item is the one that passed`)
  }
  t.equal((await a.context.get('tasks', 'job'))?.round, 20)
})

t.test('context: the registry on two instances: racing status changes, one passes, the other is checked against it', async (t) => {
  const { open } = await pgStoresOn(t)
  const [a, b] = [await open(), await open()]
  const [ra, rb] = [createRegistry({ store: a }), createRegistry({ store: b })]
  await ra.create('tasks', { id: 'job', name: 'nightly', status: 'working' })
  // completed and failed are each allowed from working, never from each other
  const results = await Promise.allSettled([ra.update('tasks', 'job', { status: 'completed' }), rb.update('tasks', 'job', { status: 'failed' })])
  const passed = results.filter((r) => r.status === 'fulfilled') as Array<PromiseFulfilledResult<{ after: { status: string } }>>
  const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]
  t.equal(passed.length, 1, 'exactly one passes')
  t.match(refused[0]?.reason, { kind: 'conflict', message: /is final/ }, 'the other read again and was refused by the rules')
  t.equal((await b.context.get('tasks', 'job'))?.status, passed[0].value.after.status)
  // field patches from both instances at once are all kept
  await ra.create('agents', { id: 'bot', name: 'Bot', status: 'active' })
  await Promise.all([ra.update('agents', 'bot', { owner: 'team-a' }), rb.update('agents', 'bot', { model: 'gpt-4' }), ra.update('agents', 'bot', { version: '2' })])
  t.match(await a.context.get('agents', 'bot'), { owner: 'team-a', model: 'gpt-4', version: '2' }, 'no update overwrote another')
})

const message = (id: string, channelId: string, createdAt: number): OutboxMessage => ({
  id, channelId, kind: 'firing', payload: { id }, alertIds: [], status: 'pending', attempts: 0, createdAt, nextAttemptAt: createdAt, sentAt: null, lastError: null,
})

t.test('notifier: two instances grouping the same items: one message gets them, the other is refused whole', async (t) => {
  const { open } = await pgStoresOn(t)
  const [a, b] = [await open(), await open()]
  for (let round = 0; round < 10; round++) {
    const ids = Array.from({ length: 20 }, (_, i) => `r${round}-i${i}`)
    await a.notifier.record({ items: ids.map((id, k) => ({ id, channelId: 'c1', alertId: `al${k}`, snapshot: {}, createdAt: k })) })
    // each groups all of them, in opposite orders
    const results = await Promise.allSettled([a.notifier.enqueue(message(`ma${round}`, 'c1', round), ids), b.notifier.enqueue(message(`mb${round}`, 'c1', round), [...ids].reverse())])
    if (results.filter((r) => r.status === 'fulfilled').length !== 1) { t.fail(`round ${round}: ${results.map((r) => r.status).join(', ')}`); return }
  }
  t.same(await a.notifier.pendingItems(), [], 'every item is grouped')
  t.equal(await b.notifier.pendingCount(), 10, 'one message per round: the refused ones are not stored')
})

t.test('notifier: two instances claiming due messages: each message is sent by exactly one, in channel order', async (t) => {
  const { open } = await pgStoresOn(t)
  const [a, b] = [await open(), await open()]
  // 40 channels with 3 messages each: a channel's next message is due only once the one before is sent
  for (let k = 0; k < 120; k++) await a.notifier.enqueue(message(`m${k}`, `c${k % 40}`, 1000 + k), [])
  const sentBy = new Map<string, string[]>()
  const sender = async (name: string, store: { notifier: PgNotifierStore }) => {
    let idle = 0
    while (idle < 3) {
      const claimed = await store.notifier.claimDue(10_000, 7, 60_000)
      idle = claimed.length ? 0 : idle + 1
      for (const m of claimed) {
        sentBy.set(m.id, [...(sentBy.get(m.id) ?? []), name])
        await store.notifier.recordAttempt({ messageId: m.id, channelId: m.channelId, kind: m.kind, alertIds: [], attempt: 1, at: 2000, outcome: 'success', statusCode: 200, error: null, durationMs: 1 },
          { status: 'sent', attempts: 1, nextAttemptAt: m.nextAttemptAt, sentAt: 2000, lastError: null })
      }
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  await Promise.all([sender('a', a as never), sender('b', b as never)])
  t.equal(sentBy.size, 120, 'every message was sent')
  t.same([...sentBy.values()].filter((by) => by.length !== 1), [], 'none twice')
  const names = new Set([...sentBy.values()].flat())
  t.same([...names].sort(), ['a', 'b'], 'both instances took a share')
  t.equal(await a.notifier.pendingCount(), 0)
  const deliveries = await b.notifier.deliveries({ limit: 1000 })
  t.equal(deliveries.length, 120, 'one delivery logged per message')
  for (let c = 0; c < 40; c++) {
    const order = deliveries.filter((d) => d.channelId === `c${c}`).sort((x, y) => x.seq - y.seq).map((d) => d.messageId)
    if (order.join() !== [`m${c}`, `m${c + 40}`, `m${c + 80}`].join()) { t.fail(`channel c${c} got ${order.join()}`); return }
  }
  t.pass('each channel received its messages in order')
})

t.test('notifier: a claimed message is not due elsewhere until its lease runs out (its sender died)', async (t) => {
  const { open } = await pgStoresOn(t)
  const [a, b] = [await open(), await open()]
  await a.notifier.enqueue(message('m1', 'c1', 100), [])
  t.match(await a.notifier.claimDue(1000, 10, 5000), [{ id: 'm1', nextAttemptAt: 100 }], 'claimed, as it was before the lease')
  t.same(await b.notifier.claimDue(1000, 10, 5000), [], 'not claimable by another instance meanwhile')
  t.same(await b.notifier.dueMessages(5999, 10), [], 'nor due')
  t.match(await b.notifier.claimDue(6000, 10, 5000), [{ id: 'm1' }], 'once the lease is out, another instance takes it')
})

t.test('health: checks from two instances at once all count in the rollups', async (t) => {
  const { open } = await pgStoresOn(t)
  const [a, b] = [await open(), await open()]
  const hour = Date.now() - (Date.now() % HOUR) - HOUR
  const batch = (verdict: 'up' | 'down', n: number) => Array.from({ length: n }, (_, i) => ({
    check: { service: 'api', at: hour + i, verdict, latencyMs: 1, httpStatus: 200, errorClass: null, message: null, tlsDaysLeft: null },
  }))
  await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).health.recordChecks(batch(i % 2 ? 'up' : 'down', 50))))
  t.same(await a.health.uptime('api', [hour]), [{ total: 500, up: 250, degraded: 0, down: 250 }])
  t.same((await b.health.uptimeByDay(hour - hour % DAY)).map((r) => r.total), [500])
  t.equal((await a.health.history('api', { limit: 1000 })).length, 500)
})

t.test('health: history, uptime and uptimeByDay are served by their indexes', async (t) => {
  const { open } = await pgStoresOn(t)
  const store = await open()
  const now = Date.now()
  // enough rows over many services that a scan of the whole table is the dearer plan
  await store.health.recordChecks(Array.from({ length: 4000 }, (_, i) => ({
    check: { service: `svc-${i % 200}`, at: now - (i % 90) * DAY - i, verdict: 'up' as const, latencyMs: 1, httpStatus: 200, errorClass: null, message: null, tlsDaysLeft: null },
  })))
  await store.sql`ANALYZE health_checks; ANALYZE health_rollups; ANALYZE health_daily`.simple()
  const plan = async (text: string) => (await store.sql.unsafe(`EXPLAIN ${text}`)).map((r) => r['QUERY PLAN']).join('\n')
  t.match(await plan("SELECT * FROM health_checks WHERE service = 'svc-7' AND seq < 100000 ORDER BY seq DESC LIMIT 50"), /Index.* on health_checks/, 'history: the (service, seq) index')
  t.match(await plan(`SELECT sum(total) FROM health_rollups WHERE service = 'svc-7' AND hour >= ${now - 30 * DAY}`), /Index.* on health_rollups/, 'uptime: the rollups key')
  t.match(await plan(`SELECT * FROM health_daily WHERE day >= ${now - 2 * DAY} AND day < ${now}`), /Index.* on health_daily|Bitmap Index Scan on health_daily/, 'uptimeByDay: the day index')
  t.match(await plan(`SELECT seq FROM health_checks WHERE at < ${now - 89 * DAY}`), /health_checks_at/, 'pruning: the time index')
})
