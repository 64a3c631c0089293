// The storage port's contract: any engine (SQLite here, PostgreSQL later) runs this suite unchanged.
// `open` returns a fresh, empty store on a location of its own; `reopen` opens the same location again.
// One list of cases per store area: events, health, streamLog, audit, context, backup, notifier, agentTokens.
import { ulid } from 'ulidx'
import type { Store } from '../../src/store/ports/store.js'
import type { NewEvent } from '../../src/store/ports/events.js'
import type { CheckRecord, ServiceStateRecord } from '../../src/store/ports/health.js'
import { EMPTY_TRAIL, type AuditLink } from '../../src/store/ports/audit.js'
import type { ContextItem } from '../../src/store/ports/context.js'
import type { BackupRow } from '../../src/store/ports/backup.js'
import type { OutboxMessage } from '../../src/store/ports/notifier.js'
import type { AgentTokenRecord } from '../../src/store/ports/agent-tokens.js'
import type { AlertRecord } from '../../src/domain/notifier/alert-machine.js'
import { chainEntries, signCheckpoint, keyIdOf, type AuditDraft, type AuditEntry } from '../../src/domain/audit/hash-chain.js'
import { generateKeyPairSync } from 'node:crypto'

type Tap = import('tap').Test
export interface EngineUnderTest {
  name: string
  open (t: Tap): Promise<{ store: Store, reopen (): Promise<Store> }>
}

export type StoreArea = 'events' | 'health' | 'streamLog' | 'audit' | 'context' | 'backup' | 'notifier' | 'agentTokens'
/** What a case gets besides its fresh store: the same location opened again, another fresh store. */
export interface CaseTools { reopen (): Promise<Store>, fresh (): Promise<Store> }
export interface ContractCase {
  area: StoreArea
  name: string
  /** one case per area (besides events) whose writes, results and refusals are worth seeing cross each writer an engine has */
  roundTrip?: boolean
  run (t: Tap, store: Store, tools: CaseTools): Promise<void>
}

const cases: ContractCase[] = []
const contract = (area: StoreArea, name: string, run: ContractCase['run'], opts: { roundTrip?: boolean } = {}) => { cases.push({ area, name, run, ...opts }) }

/** Runs every case (or those `filter` keeps) against a fresh store of the engine each. */
export function storeContract (t: Tap, engine: EngineUnderTest, opts: { filter?: (c: ContractCase) => boolean } = {}) {
  for (const c of cases.filter(opts.filter ?? (() => true))) {
    t.test(`${engine.name}: ${c.area}: ${c.name}`, async (t) => {
      const { store, reopen } = await engine.open(t)
      await c.run(t, store, { reopen, fresh: async () => (await engine.open(t)).store })
    })
  }
}

const HOUR = 3_600_000
const DAY = 24 * HOUR

// ── events ─────────────────────────────────────────────────────────────────────────────────────────

/** A new event as the ingest path makes it; fields overridable. */
export const ev = (over: Partial<NewEvent> = {}): NewEvent => ({
  id: ulid(over.receivedAt ?? Date.now()),
  type: 'test.happened',
  source: null,
  severity: null,
  time: null,
  producerId: null,
  traceparent: null,
  payloadJson: '{}',
  attributesJson: null,
  receivedAt: Date.now(),
  ...over,
})

contract('events', 'append assigns increasing seq and stores every field', async (t, store) => {
  const a = ev({ type: 'a', source: 'svc', severity: 'WARN', time: '2026-01-01T00:00:00Z', producerId: 'p1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', payloadJson: '{"k":[1,2]}' })
  const b = ev({ type: 'b' })
  const out = await store.events.append([a, b])
  t.equal(out.length, 2)
  t.ok(out[1].seq > out[0].seq, 'seq increases')
  t.same(out.map((o) => o.duplicate), [false, false])
  const got = await store.events.get(a.id)
  t.match(got, { id: a.id, type: 'a', source: 'svc', severity: 'WARN', time: '2026-01-01T00:00:00Z', producerId: 'p1', traceparent: a.traceparent, payload: { k: [1, 2] } })
  t.equal(await store.events.count(), 2)
  t.equal(await store.events.get('nope'), undefined)
})

contract('events', 'attributes and any JSON payload are stored and read back as sent', async (t, store) => {
  const withAttrs = ev({ type: 'a', payloadJson: '[1,"two",null]', attributesJson: '{"region":"eu","retries":3,"tags":["x"]}' })
  const scalar = ev({ type: 'b', payloadJson: '"Connection failed"' })
  const nothing = ev({ type: 'c', payloadJson: 'null' })
  await store.events.append([withAttrs, scalar, nothing])
  t.same((await store.events.get(withAttrs.id))?.attributes, { region: 'eu', retries: 3, tags: ['x'] })
  t.same((await store.events.get(withAttrs.id))?.payload, [1, 'two', null])
  const rest = await store.events.query({ limit: 10, order: 'asc' })
  t.same(rest.map((e) => [e.type, e.payload, e.attributes]), [
    ['a', [1, 'two', null], { region: 'eu', retries: 3, tags: ['x'] }],
    ['b', 'Connection failed', null],
    ['c', null, null],
  ], 'query answers attributes too; none is null')
  // a keyed event goes in one by one: its attributes too
  const [keyed] = await store.events.append([ev({ source: 's', producerId: 'k', attributesJson: '{"k":1}' })])
  t.same((await store.events.get(keyed.id))?.attributes, { k: 1 })
})

contract('events', 'source + producer id is idempotent, also inside one batch', async (t, store) => {
  const first = ev({ source: 'order', producerId: 'o-1' })
  const [o1] = await store.events.append([first])
  const out = await store.events.append([ev({ source: 'order', producerId: 'o-1' }), ev({ source: 'cart', producerId: 'o-1' }), ev({ source: 'cart', producerId: 'o-1' })])
  t.same(out.map((o) => o.duplicate), [true, false, true])
  t.equal(out[0].id, o1.id, 'the stored one is returned')
  t.equal(out[2].id, out[1].id)
  // no source: the producer id alone is the key
  const [x] = await store.events.append([ev({ producerId: 'solo' })])
  const [y] = await store.events.append([ev({ producerId: 'solo' })])
  t.equal(y.id, x.id)
  t.ok(y.duplicate)
  t.equal(await store.events.count(), 3)
})

contract('events', 'a large batch mixing events with and without producer ids keeps batch order in seq', async (t, store) => {
  const [known] = await store.events.append([ev({ source: 'mix', producerId: 'dup' })])
  // 250 plain events (more than one multi-row chunk) with keyed ones and a duplicate among them
  const batch = Array.from({ length: 260 }, (_, i) =>
    i === 7
      ? ev({ source: 'mix', producerId: 'dup', payloadJson: '{"i":7}' })
      : i % 26 === 13
        ? ev({ source: 'mix', producerId: `k-${i}`, payloadJson: `{"i":${i}}` })
        : ev({ type: `plain.${i % 3}`, payloadJson: `{"i":${i}}` }))
  const out = await store.events.append(batch)
  t.equal(out.length, 260)
  t.same(out[7], { id: known.id, seq: known.seq, duplicate: true }, 'the duplicate answers with the stored event')
  const fresh = out.filter((o) => !o.duplicate)
  t.equal(fresh.length, 259)
  t.ok(fresh.every((o, i) => i === 0 || o.seq > fresh[i - 1].seq), 'seq follows the order of the batch')
  t.equal(new Set(fresh.map((o) => o.seq)).size, 259, 'every seq is its own')
  for (const i of [0, 1, 99, 100, 101, 13, 199, 200, 259]) {
    const got = await store.events.get(out[i].id)
    t.same(got && { seq: got.seq, payload: got.payload, id: got.id }, { seq: out[i].seq, payload: { i }, id: batch[i].id }, `item ${i} is stored under its seq`)
  }
  t.equal(await store.events.count(), 260)
})

contract('events', 'query filters, newest first, seq paging', async (t, store) => {
  const base = Date.UTC(2026, 0, 1)
  await store.events.append([
    ev({ type: 'login', source: 'auth', severity: 'INFO', receivedAt: base }),
    ev({ type: 'login', source: 'auth', severity: 'ERROR', receivedAt: base + 1000 }),
    ev({ type: 'order', source: 'order', severity: 'WARN', receivedAt: base + 2000 }),
    ev({ type: 'order', source: 'order', severity: 'FATAL', receivedAt: base + 3000 }),
  ])
  const all = await store.events.query({ limit: 10 })
  t.same(all.map((e) => e.receivedAt), [3000, 2000, 1000, 0].map((d) => new Date(base + d).toISOString()))
  t.same((await store.events.query({ type: 'login', limit: 10 })).map((e) => e.severity), ['ERROR', 'INFO'])
  t.same((await store.events.query({ source: 'order', limit: 10 })).length, 2)
  t.same((await store.events.query({ severity: 'WARN', limit: 10 })).map((e) => e.type), ['order'])
  t.same((await store.events.query({ minSeverity: 'WARN', limit: 10 })).map((e) => e.severity), ['FATAL', 'WARN', 'ERROR'])
  t.same((await store.events.query({ since: base + 1000, until: base + 3000, limit: 10 })).map((e) => e.receivedAt), [2000, 1000].map((d) => new Date(base + d).toISOString()), 'since inclusive, until exclusive')
  const page1 = await store.events.query({ limit: 2 })
  t.equal(page1.length, 2, 'at most `limit`')
  const page2 = await store.events.query({ limit: 2, beforeSeq: page1[1].seq })
  t.same([...page1, ...page2].map((e) => e.seq), all.map((e) => e.seq))
  const after = await store.events.query({ afterSeq: all[3].seq, order: 'asc', limit: 2 })
  t.same(after.map((e) => e.seq), [all[2].seq, all[1].seq], 'ascending after a seq')
})

contract('events', 'prune deletes only what is older than the bound, and answers how many', async (t, store) => {
  const now = Date.now()
  const old = Array.from({ length: 4500 }, () => ev({ receivedAt: now - 40 * DAY }))
  await store.events.append(old)
  const [kept, atBound] = await store.events.append([ev({ receivedAt: now }), ev({ receivedAt: now - 30 * DAY })])
  t.equal(await store.events.prune(now - 30 * DAY), 4500)
  t.equal(await store.events.count(), 2)
  t.ok(await store.events.get(kept.id))
  t.ok(await store.events.get(atBound.id), 'one received at the bound itself is kept')
  t.equal(await store.events.prune(now - 30 * DAY), 0, 'nothing more to prune')
})

contract('events', 'what append acknowledged survives a close and reopen', async (t, store, { reopen }) => {
  const acked = await Promise.all(Array.from({ length: 50 }, (_, i) => store.events.append([ev({ producerId: `r-${i}` })])))
  await store.close()
  const again = await reopen()
  t.equal(await again.events.count(), 50)
  for (const [o] of acked) t.ok(await again.events.get(o.id), `event ${o.id} is there`)
})

contract('events', 'ping answers on an open store and fails on a closed one', async (t, store) => {
  await store.ping()
  await store.close()
  await t.rejects(store.ping())
})

// ── health ─────────────────────────────────────────────────────────────────────────────────────────

const check = (service: string, at: number, verdict: CheckRecord['verdict'] = 'up', over: Partial<CheckRecord> = {}): CheckRecord => ({
  service, at, verdict, latencyMs: 12.5, httpStatus: verdict === 'down' ? 503 : 200, errorClass: null, message: null, tlsDaysLeft: 30, ...over,
})
const state = (service: string, s: ServiceStateRecord['state'], since: number, over: Partial<ServiceStateRecord> = {}): ServiceStateRecord => ({
  service, state: s, since, failures: 0, notUp: 0, successes: 0, notDown: 0, incidentId: null, lastCheck: null, ...over,
})

contract('health', 'putService inserts or replaces; removeService deletes the service with its state, checks, rollups and incidents', async (t, store) => {
  await store.health.putService({ name: 'api', definition: { url: 'http://api/health', intervalSeconds: 30, tags: ['a'] }, createdAt: 1000, updatedAt: 1000 })
  await store.health.putService({ name: 'db', definition: { url: 'tcp://db:5432' }, createdAt: 2000, updatedAt: 2000 })
  await store.health.putService({ name: 'api', definition: { url: 'http://api/v2/health' }, createdAt: 1000, updatedAt: 3000 })
  const byName = async () => Object.fromEntries((await store.health.listServices()).map((s) => [s.name, s]))
  t.same(await byName(), {
    api: { name: 'api', definition: { url: 'http://api/v2/health' }, createdAt: 1000, updatedAt: 3000 },
    db: { name: 'db', definition: { url: 'tcp://db:5432' }, createdAt: 2000, updatedAt: 2000 },
  }, 'the second put replaced the definition')

  const at = Date.now() - HOUR
  for (const name of ['api', 'db']) {
    await store.health.recordCheck(check(name, at, 'down'), {
      state: state(name, 'down', at, { failures: 1 }),
      at,
      openIncident: { id: ulid(at), service: name, kind: 'down', cause: 'http 503', startedAt: at, endedAt: null },
    })
  }
  await store.health.removeService('api')
  t.same(Object.keys(await byName()), ['db'])
  t.same((await store.health.listStates()).map((s) => s.service), ['db'], 'its state is gone')
  t.same(await store.health.history('api', { limit: 10 }), [], 'its checks are gone')
  t.same(await store.health.uptime('api', [0]), [{ total: 0, up: 0, degraded: 0, down: 0 }], 'its rollups are gone')
  t.same((await store.health.uptimeByDay(0)).map((r) => r.service), ['db'])
  t.same(await store.health.incidents('api', { limit: 10 }), [], 'its incidents are gone')
  t.equal((await store.health.history('db', { limit: 10 })).length, 1, 'the other service keeps its own')
  t.equal((await store.health.incidents('db', { limit: 10 })).length, 1)
  await store.health.removeService('never-defined') // a service known only from the config file: no error
}, { roundTrip: true })

contract('health', 'recordCheck stores a check and its state change (opening an incident); changeState closes one', async (t, store) => {
  const t0 = Date.now() - 2 * HOUR
  const firstSeq = await store.health.recordCheck(check('api', t0, 'up'))
  t.ok(firstSeq > 0, 'answers the check seq')
  t.same(await store.health.listStates(), [], 'no change given: no state stored')

  const incidentId = ulid(t0 + 1000)
  const downSeq = await store.health.recordCheck(check('api', t0 + 1000, 'down', { errorClass: 'http', message: '503' }), {
    state: state('api', 'down', t0 + 1000, { failures: 3, notUp: 3, incidentId }),
    at: t0 + 1000,
    openIncident: { id: incidentId, service: 'api', kind: 'down', cause: 'http 503', startedAt: t0 + 1000, endedAt: null },
  })
  t.ok(downSeq > firstSeq)
  const [s] = await store.health.listStates()
  t.match(s, { service: 'api', state: 'down', since: t0 + 1000, failures: 3, notUp: 3, successes: 0, notDown: 0, incidentId })
  t.match(s.lastCheck, { service: 'api', at: t0 + 1000, verdict: 'down', httpStatus: 503, errorClass: 'http', message: '503' }, 'the state carries the check that changed it')
  t.same(await store.health.getIncident(incidentId), { id: incidentId, service: 'api', kind: 'down', cause: 'http 503', startedAt: t0 + 1000, endedAt: null })

  // paused by an admin: a state change without a check, closing the incident
  await store.health.changeState({ state: state('api', 'paused', t0 + 5000, { lastCheck: s.lastCheck }), at: t0 + 5000, closeIncidentId: incidentId })
  t.match(await store.health.listStates(), [{ service: 'api', state: 'paused', since: t0 + 5000, incidentId: null }])
  t.match(await store.health.getIncident(incidentId), { endedAt: t0 + 5000 }, 'closed at the change')
  t.equal(await store.health.getIncident('nope'), undefined)
  t.equal((await store.health.history('api', { limit: 10 })).length, 2, 'changeState stored no check')
})

contract('health', 'recordChecks stores many in order in one write; history is newest first with since, until, beforeSeq and limit', async (t, store) => {
  const t0 = Date.now() - 3 * HOUR
  const items = Array.from({ length: 30 }, (_, i) => ({ check: check(i % 2 ? 'api' : 'web', t0 + i * 1000, i % 5 === 0 ? 'degraded' : 'up', { latencyMs: i }) }))
  const seqs = await store.health.recordChecks(items)
  t.equal(seqs.length, 30)
  t.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), 'seqs increase in the order given')
  const api = await store.health.history('api', { limit: 100 })
  t.equal(api.length, 15)
  t.same(api.map((c) => c.latencyMs), [29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1], 'newest first, only its own')
  t.match(api[0], { seq: seqs[29], service: 'api', at: t0 + 29_000, verdict: 'up', httpStatus: 200, errorClass: null, message: null, tlsDaysLeft: 30, maintenance: false })
  const window = await store.health.history('api', { since: t0 + 5000, until: t0 + 11_000, limit: 100 })
  t.same(window.map((c) => c.at), [t0 + 9000, t0 + 7000, t0 + 5000], 'since inclusive, until exclusive')
  const page1 = await store.health.history('api', { limit: 4 })
  const page2 = await store.health.history('api', { beforeSeq: page1[3].seq, limit: 4 })
  t.same([...page1, ...page2].map((c) => c.seq), api.slice(0, 8).map((c) => c.seq), 'beforeSeq pages on')
  // with state changes among them: each change lands with its own check
  const [a, b] = await store.health.recordChecks([
    { check: check('api', t0 + 40_000, 'down'), change: { state: state('api', 'down', t0 + 40_000), at: t0 + 40_000 } },
    { check: check('web', t0 + 41_000, 'down'), change: { state: state('web', 'down', t0 + 41_000), at: t0 + 41_000 } },
  ])
  t.ok(b > a)
  const states = Object.fromEntries((await store.health.listStates()).map((s) => [s.service, s]))
  t.match(states, { api: { state: 'down', lastCheck: { at: t0 + 40_000 } }, web: { state: 'down', lastCheck: { at: t0 + 41_000 } } })
})

contract('health', 'uptime and uptimeByDay count from the rollups; checks in maintenance are kept in history but not counted', async (t, store) => {
  const now = Date.now() // read once: two reads a millisecond apart leave today off the day boundary
  const today = now - now % DAY
  const at = (day: number, hour: number, min = 0) => today - day * DAY + hour * HOUR + min * 60_000
  await store.health.recordChecks([
    // two days ago: 2 up, 1 down
    { check: check('api', at(2, 1), 'up') }, { check: check('api', at(2, 1, 30), 'up') }, { check: check('api', at(2, 5), 'down') },
    // yesterday: 1 degraded, 1 up, and 2 in maintenance (down) that do not count
    { check: check('api', at(1, 3), 'degraded') }, { check: check('api', at(1, 4), 'up') },
    { check: check('api', at(1, 6), 'down', { maintenance: true }) }, { check: check('api', at(1, 6, 10), 'down', { maintenance: true }) },
    // another service, yesterday
    { check: check('web', at(1, 2), 'up') },
  ])
  const counts = await store.health.uptime('api', [at(2, 0), at(2, 1, 45), at(1, 0), today + DAY])
  t.same(counts, [
    { total: 5, up: 3, degraded: 1, down: 1 },
    { total: 5, up: 3, degraded: 1, down: 1 }, // rounded down to the hour: all of hour 1 counts
    { total: 2, up: 1, degraded: 1, down: 0 },
    { total: 0, up: 0, degraded: 0, down: 0 },
  ])
  const history = await store.health.history('api', { limit: 100 })
  t.equal(history.length, 7, 'maintenance checks are in the history')
  t.same(history.filter((c) => c.maintenance).map((c) => c.verdict), ['down', 'down'])

  const byDay = await store.health.uptimeByDay(today - 2 * DAY)
  const key = (r: { service: string, day: number }) => `${r.service}@${(today - r.day) / DAY}`
  t.same(Object.fromEntries(byDay.map((r) => [key(r), { total: r.total, up: r.up, degraded: r.degraded, down: r.down }])), {
    'api@2': { total: 3, up: 2, degraded: 0, down: 1 },
    'api@1': { total: 2, up: 1, degraded: 1, down: 0 },
    'web@1': { total: 1, up: 1, degraded: 0, down: 0 },
  })
  t.same((await store.health.uptimeByDay(today - 2 * DAY, today - DAY)).map(key), ['api@2'], 'until is exclusive')
  t.same((await store.health.uptimeByDay(today - DAY)).map(key).sort(), ['api@1', 'web@1'])
})

contract('health', 'incidents are newest first per service with beforeId paging', async (t, store) => {
  const t0 = Date.now() - 10 * HOUR
  const ids: string[] = []
  for (let i = 0; i < 5; i++) {
    const id = ulid(t0 + i * HOUR)
    ids.push(id)
    await store.health.changeState({
      state: state('api', i % 2 ? 'degraded' : 'down', t0 + i * HOUR, { incidentId: id }),
      at: t0 + i * HOUR,
      closeIncidentId: i > 0 ? ids[i - 1] : null,
      openIncident: { id, service: 'api', kind: i % 2 ? 'degraded' : 'down', cause: `cause ${i}`, startedAt: t0 + i * HOUR, endedAt: null },
    })
  }
  await store.health.changeState({ state: state('web', 'down', t0), at: t0, openIncident: { id: ulid(t0), service: 'web', kind: 'down', cause: null, startedAt: t0, endedAt: null } })
  const all = await store.health.incidents('api', { limit: 10 })
  t.same(all.map((i) => i.id), [...ids].reverse())
  t.same(all.map((i) => i.endedAt), [null, t0 + 4 * HOUR, t0 + 3 * HOUR, t0 + 2 * HOUR, t0 + HOUR], 'each closed when the next opened')
  const page = await store.health.incidents('api', { beforeId: all[1].id, limit: 2 })
  t.same(page.map((i) => i.id), [all[2].id, all[3].id])
})

contract('health', 'pruneChecks and pruneRollups delete what is older than the bound and answer how many', async (t, store) => {
  const now = Date.now()
  const hourStart = now - now % HOUR
  const old = hourStart - 3 * DAY
  // 2,500 old checks (more than one delete chunk) over two hours, and one new
  await store.health.recordChecks(Array.from({ length: 2500 }, (_, i) => ({ check: check(i % 2 ? 'api' : 'web', old + (i % 2) * HOUR + i) })))
  await store.health.recordCheck(check('web', hourStart - DAY))
  await store.health.recordCheck(check('api', now))
  t.equal(await store.health.pruneChecks(hourStart - DAY), 2500)
  t.same((await store.health.history('api', { limit: 10 })).map((c) => c.at), [now], 'the new check is kept')
  t.same((await store.health.history('web', { limit: 10 })).map((c) => c.at), [hourStart - DAY], 'one taken at the bound itself is kept')
  await store.health.pruneChecks(hourStart - DAY + 1)
  t.same((await store.health.history('web', { limit: 10 })), [])
  t.equal(await store.health.pruneChecks(hourStart - DAY), 0)
  t.same(await store.health.uptime('api', [0]), [{ total: 1251, up: 1251, degraded: 0, down: 0 }], 'pruning checks leaves the rollups')

  // incidents: one ended long ago, one ended after the bound, one open
  const gone = ulid(old); const recent = ulid(now - HOUR); const open = ulid(old + 1)
  await store.health.changeState({ state: state('api', 'up', old), at: old + HOUR, openIncident: { id: gone, service: 'api', kind: 'down', cause: null, startedAt: old, endedAt: old + HOUR } })
  await store.health.changeState({ state: state('api', 'up', now), at: now, openIncident: { id: recent, service: 'api', kind: 'down', cause: null, startedAt: old, endedAt: now - HOUR } })
  await store.health.changeState({ state: state('web', 'down', old), at: old, openIncident: { id: open, service: 'web', kind: 'down', cause: null, startedAt: old, endedAt: null } })
  // rollups: api has hours old + 1h and now's; web has hour old and the hour at the bound
  t.equal(await store.health.pruneRollups(hourStart - DAY), 2, "two old rollup hours (api's and web's)")
  t.same(await store.health.uptime('api', [0]), [{ total: 1, up: 1, degraded: 0, down: 0 }], "only the new hour's rollup is left")
  t.same(await store.health.uptime('web', [0]), [{ total: 1, up: 1, degraded: 0, down: 0 }], 'the hour at the bound itself is kept')
  t.equal(await store.health.getIncident(gone), undefined, 'an incident ended before the bound is deleted')
  t.ok(await store.health.getIncident(recent), 'one ended after it is kept')
  t.ok(await store.health.getIncident(open), 'an open one is kept')
  t.equal(await store.health.pruneRollups(hourStart - DAY), 0)
})

// ── stream log ─────────────────────────────────────────────────────────────────────────────────────

contract('streamLog', 'append answers increasing seqs; after answers one kind past a seq, ascending and bounded; prune counts', async (t, store) => {
  const now = Date.now()
  const s1 = await store.streamLog.append('state', 'service.transition', { service: 'api', to: 'down' }, now - 10 * HOUR)
  const s2 = await store.streamLog.append('alert', 'alert.changed', { id: 'a1', tags: ['x', 1, null] }, now - 9 * HOUR)
  const s3 = await store.streamLog.append('state', 'service.transition', { service: 'api', to: 'up' })
  const s4 = await store.streamLog.append('state', 'service.transition', { service: 'web', to: 'down' }, now)
  const bound = await store.streamLog.append('alert', 'alert.changed', {}, now - 5 * HOUR)
  t.ok(s1 < s2 && s2 < s3 && s3 < s4 && s4 < bound, 'seqs increase')
  const states = await store.streamLog.after('state', 0, 10)
  t.same(states.map((e) => e.seq), [s1, s3, s4], 'only its kind, ascending')
  t.same(states[0], { seq: s1, kind: 'state', type: 'service.transition', data: { service: 'api', to: 'down' }, at: now - 10 * HOUR })
  t.ok(Math.abs(states[1].at - now) < 60_000, 'at defaults to now')
  t.same((await store.streamLog.after('state', s1, 1)).map((e) => e.seq), [s3], 'strictly after the seq, at most limit')
  t.same((await store.streamLog.after('alert', 0, 10))[0].data, { id: 'a1', tags: ['x', 1, null] })
  t.same(await store.streamLog.after('state', s4, 10), [])
  t.equal(await store.streamLog.prune(now - 5 * HOUR), 2, 'the two old entries, both kinds')
  t.same((await store.streamLog.after('state', 0, 10)).map((e) => e.seq), [s3, s4])
  t.same((await store.streamLog.after('alert', 0, 10)).map((e) => e.seq), [bound], 'one at the bound itself is kept')
  const s5 = await store.streamLog.append('alert', 'alert.changed', {})
  t.ok(s5 > bound, 'seqs keep increasing after a prune')
}, { roundTrip: true })

// ── audit ──────────────────────────────────────────────────────────────────────────────────────────

let draftNo = 0
/** An audit draft, each with its own target id and metadata.n; fields overridable. */
export const draft = (over: Partial<AuditDraft> = {}): AuditDraft => {
  const now = Date.now()
  return {
    id: ulid(now),
    time: new Date(now).toISOString(),
    actor: { type: 'agent', id: 'bot-1', name: 'Bot', onBehalfOf: 'alice' },
    action: 'order.refund',
    target: { type: 'order', id: `o-${++draftNo}` },
    outcome: 'success',
    reason: null,
    metadata: { amount: 12.5, n: draftNo },
    model: 'gpt-4o',
    tool: 'refund',
    argumentsHash: 'sha256:abc',
    clientIp: '127.0.0.1',
    requestId: 'req-1',
    submittedBy: 'service:token-1',
    ...over,
  }
}
const chain = (after: AuditLink | undefined, n: number, over: Partial<AuditDraft> = {}) => chainEntries(after, Array.from({ length: n }, () => draft(over)))
const linkOf = (e: AuditEntry): AuditLink => ({ seq: e.seq, hash: e.hash })

contract('audit', 'append stores chained entries as given; get, range, tail and count read them back', async (t, store) => {
  t.equal(await store.audit.tail(), undefined, 'an empty trail has no tail')
  const first = chain(undefined, 3)
  await store.audit.append(first)
  const second = chain(linkOf(first[2]), 2, { target: null, actor: { type: 'user', id: 'admin', name: null, onBehalfOf: null }, model: null, tool: null, argumentsHash: null, clientIp: null, requestId: null, reason: 'why', metadata: {} })
  await store.audit.append(second)
  const all = [...first, ...second]
  t.same(await store.audit.tail(), { seq: 5, hash: second[1].hash })
  t.equal(await store.audit.count(), 5)
  for (const e of all) t.same(await store.audit.get(e.id), e, `entry ${e.seq} reads back exactly`)
  t.equal(await store.audit.get('nope'), undefined)
  t.same(await store.audit.range(1, 5, 100), all, 'range in seq order')
  t.same((await store.audit.range(2, 4, 100)).map((e) => e.seq), [2, 3, 4], 'both bounds inclusive')
  t.same((await store.audit.range(2, 5, 2)).map((e) => e.seq), [2, 3], 'at most limit')
  t.same(await store.audit.range(6, 10, 10), [])
  await store.audit.append([]) // nothing to store: no error
  t.equal(await store.audit.count(), 5)
})

contract('audit', 'compare-and-append: entries that do not continue the stored tail are refused with a conflict, and nothing is stored', async (t, store) => {
  const stranger = { seq: 0, hash: 'a'.repeat(64) }
  await t.rejects(store.audit.append(chain({ ...stranger, seq: 0 }, 2)), { kind: 'conflict' }, 'an empty trail starts at the genesis hash')
  await t.rejects(store.audit.append(chain({ seq: 1, hash: EMPTY_TRAIL.hash }, 2)), { kind: 'conflict' }, 'an empty trail starts at seq 1')
  t.equal(await store.audit.count(), 0)
  const first = chain(undefined, 2)
  await store.audit.append(first)
  const tail = linkOf(first[1])
  await t.rejects(store.audit.append(chain(undefined, 1)), { kind: 'conflict' }, 'a second genesis is refused')
  await t.rejects(store.audit.append(chain({ seq: tail.seq, hash: tail.hash }, 1).map((e) => ({ ...e, seq: e.seq + 1 }))), { kind: 'conflict' }, 'a gap in seq is refused')
  await t.rejects(store.audit.append(chain({ seq: 1, hash: first[0].hash }, 1)), { kind: 'conflict' }, 'a fork from an older entry is refused')
  await t.rejects(store.audit.append(chain({ seq: tail.seq, hash: 'b'.repeat(64) }, 1)), { kind: 'conflict' }, 'the right seq with the wrong hash is refused')
  t.same(await store.audit.tail(), tail, 'nothing refused was stored')
  t.equal(await store.audit.count(), 2)

  // entries that do not continue each other: refused as invalid, none of them stored
  const broken = chain(tail, 3)
  broken[2] = { ...broken[2], prevHash: broken[0].hash }
  await t.rejects(store.audit.append(broken), { kind: 'invalid' })
  const gap = chain(tail, 3)
  gap[2] = { ...gap[2], seq: gap[2].seq + 1 }
  await t.rejects(store.audit.append(gap), { kind: 'invalid' })
  t.equal(await store.audit.count(), 2, 'all or nothing')
  await store.audit.append(chain(tail, 1))
  t.equal(await store.audit.count(), 3, 'what continues the tail is stored')
}, { roundTrip: true })

contract('audit', 'appends run in the order asked: a batch chained from one still being written is stored after it; two from one tail never both are', async (t, store) => {
  const a = chain(undefined, 2)
  const b = chain(linkOf(a[1]), 3)
  const c = chain(linkOf(b[2]), 1)
  await Promise.all([store.audit.append(a), store.audit.append(b), store.audit.append(c)])
  t.same((await store.audit.range(1, 100, 100)).map((e) => e.id), [...a, ...b, ...c].map((e) => e.id))
  // two writers chained from the same tail at once: exactly one wins, the chain does not fork
  const tail = linkOf(c[0])
  const results = await Promise.allSettled([store.audit.append(chain(tail, 2)), store.audit.append(chain(tail, 1)), store.audit.append(chain(tail, 3))])
  t.same(results.map((r) => r.status), ['fulfilled', 'rejected', 'rejected'])
  t.ok(results.slice(1).every((r) => (r as PromiseRejectedResult).reason.kind === 'conflict'))
  t.equal(await store.audit.count(), 8)
  const stored = await store.audit.range(1, 100, 100)
  t.ok(stored.every((e, i) => i === 0 || (e.seq === stored[i - 1].seq + 1 && e.prevHash === stored[i - 1].hash)), 'one unbroken chain')
})

contract('audit', 'query filters, newest first, beforeSeq paging and limit', async (t, store) => {
  const base = Date.UTC(2026, 0, 1)
  const at = (s: number) => ({ id: ulid(base + s * 1000), time: new Date(base + s * 1000).toISOString() })
  const drafts = [
    draft({ ...at(0), action: 'order.refund', actor: { type: 'agent', id: 'bot-1', name: null, onBehalfOf: 'alice' }, target: { type: 'order', id: 'o-1' } }),
    draft({ ...at(1), action: 'order.cancel', actor: { type: 'agent', id: 'bot-2', name: null, onBehalfOf: 'bob' }, target: { type: 'order', id: 'o-2' }, outcome: 'failure' }),
    draft({ ...at(2), action: 'orders%_x', actor: { type: 'user', id: 'admin', name: null, onBehalfOf: null }, target: null, outcome: 'denied' }),
    draft({ ...at(3), action: 'context.model.create', actor: { type: 'user', id: 'admin', name: null, onBehalfOf: null }, target: { type: 'model', id: 'm' } }),
    draft({ ...at(4), action: 'order.refund', actor: { type: 'agent', id: 'bot-1', name: null, onBehalfOf: 'alice' }, target: { type: 'order', id: 'o-3' } }),
  ]
  await store.audit.append(chainEntries(undefined, drafts))
  const seqs = async (f: Partial<Parameters<Store['audit']['query']>[0]>) => (await store.audit.query({ limit: 100, ...f })).map((e) => e.seq)
  t.same(await seqs({}), [5, 4, 3, 2, 1], 'newest first')
  t.same(await seqs({ actorId: 'bot-1' }), [5, 1])
  t.same(await seqs({ actorType: 'user' }), [4, 3])
  t.same(await seqs({ onBehalfOf: 'bob' }), [2])
  t.same(await seqs({ actionPrefix: 'order.' }), [5, 2, 1], 'action prefix')
  t.same(await seqs({ actionPrefix: 'order' }), [5, 3, 2, 1])
  t.same(await seqs({ actionPrefix: 'orders%' }), [3], '% in a prefix is a plain character')
  t.same(await seqs({ actionPrefix: 'order_' }), [], '_ in a prefix is a plain character')
  t.same(await seqs({ actionPrefix: 'order.refund' }), [5, 1], 'a whole action is its own prefix')
  t.same(await seqs({ targetType: 'order' }), [5, 2, 1])
  t.same(await seqs({ targetType: 'order', targetId: 'o-2' }), [2])
  t.same(await seqs({ outcome: 'failure' }), [2])
  t.same(await seqs({ since: base + 1000, until: base + 4000 }), [4, 3, 2], 'since inclusive, until exclusive')
  t.same(await seqs({ actorId: 'bot-1', outcome: 'success', since: base + 1 }), [5], 'filters combine')
  t.same(await seqs({ limit: 2 }), [5, 4], 'at most limit')
  t.same(await seqs({ beforeSeq: 4, limit: 2 }), [3, 2], 'beforeSeq pages on')
})

contract('audit', 'checkpoints: only of a stored entry, one per seq, read in seq order up to a seq', async (t, store) => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const keyId = keyIdOf(publicKey)
  const entries = chain(undefined, 6)
  await store.audit.append(entries)
  t.equal(await store.audit.lastCheckpoint(), undefined)
  const cp = (seq: number, hash = entries[seq - 1].hash) => signCheckpoint({ seq, hash, time: new Date().toISOString() }, privateKey, keyId)
  const c4 = cp(4); const c2 = cp(2); const c6 = cp(6)
  await store.audit.addCheckpoint(c4)
  await store.audit.addCheckpoint(c2)
  await store.audit.addCheckpoint(c6)
  t.same(await store.audit.checkpoints(Number.MAX_SAFE_INTEGER), [c2, c4, c6], 'in seq order, as given')
  t.same(await store.audit.checkpoints(5), [c2, c4], 'up to a seq, inclusive')
  t.same(await store.audit.checkpoints(4), [c2, c4])
  t.same(await store.audit.lastCheckpoint(), c6)
  await t.rejects(store.audit.addCheckpoint(cp(3, entries[2].hash.replace(/^./, (c) => c === '0' ? '1' : '0'))), 'a checkpoint whose hash is not the entry\'s is refused')
  await t.rejects(store.audit.addCheckpoint(cp(7, 'c'.repeat(64))), 'a checkpoint past the tail is refused')
  await store.audit.addCheckpoint(cp(4)) // again at seq 4, signed anew
  t.same(await store.audit.checkpoints(Number.MAX_SAFE_INTEGER), [c2, c4, c6], 'nothing refused was stored; the first at a seq is kept')
})

// ── context ────────────────────────────────────────────────────────────────────────────────────────

const item = (id: string, over: Partial<ContextItem> = {}): ContextItem => ({
  id, name: `name of ${id}`, status: 'active', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', ...over,
})

contract('context', 'create stores every field; a taken id is a conflict; get, delete and the kinds apart', async (t, store) => {
  const model = item('gpt-4', { version: '1.0', capabilities: ['text', 'code'], tags: [] })
  t.same(await store.context.create('models', model), model)
  t.same(await store.context.get('models', 'gpt-4'), model, 'read back with every field')
  await t.rejects(store.context.create('models', item('gpt-4', { name: 'again' })), { kind: 'conflict' })
  t.same(await store.context.get('models', 'gpt-4'), model, 'the refused create changed nothing')
  const agent = item('gpt-4', { status: 'paused', owner: 'team' })
  await store.context.create('agents', agent)
  t.equal(await store.context.get('tasks', 'gpt-4'), undefined, 'each kind apart')
  t.same(await store.context.get('agents', 'gpt-4'), agent)
  t.same(await store.context.delete('models', 'gpt-4'), model, 'delete answers what it deleted')
  t.equal(await store.context.get('models', 'gpt-4'), undefined)
  t.equal(await store.context.delete('models', 'gpt-4'), undefined, 'nothing to delete')
  t.same(await store.context.get('agents', 'gpt-4'), agent, 'the same id in another kind is untouched')
})

contract('context', 'list filters by status and name, in id order, pages after an id, at most limit; latestTask', async (t, store) => {
  for (let i = 0; i < 6; i++) {
    await store.context.create('tasks', item(`job-${i}`, { name: i < 4 ? 'nightly' : 'tests', status: i % 2 ? 'working' : 'submitted', updatedAt: `2026-01-0${i + 1}T00:00:00.000Z` }))
  }
  const ids = async (f: Partial<Parameters<Store['context']['list']>[1]>) => (await store.context.list('tasks', { limit: 100, ...f })).map((x) => x.id)
  t.same(await ids({}), ['job-0', 'job-1', 'job-2', 'job-3', 'job-4', 'job-5'])
  t.same(await ids({ status: 'working' }), ['job-1', 'job-3', 'job-5'])
  t.same(await ids({ name: 'nightly', status: 'submitted' }), ['job-0', 'job-2'])
  t.same(await ids({ limit: 2 }), ['job-0', 'job-1'])
  t.same(await ids({ afterId: 'job-1', limit: 2 }), ['job-2', 'job-3'])
  t.same(await store.context.list('models', { limit: 10 }), [])
  t.match(await store.context.latestTask('nightly'), { id: 'job-3' }, 'the most recently updated with that name')
  t.match(await store.context.latestTask('tests'), { id: 'job-5' })
  t.equal(await store.context.latestTask('none'), undefined)
})

contract('context', 'replace is a compare-and-set: only over the item as read, unchanged since', async (t, store) => {
  await store.context.create('tasks', item('t1', { status: 'submitted', assignee: 'bot' }))
  const before = (await store.context.get('tasks', 't1'))!
  const after: ContextItem = { ...before, status: 'working', startedAt: '2026-01-02T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z' }
  delete after.assignee
  t.equal(await store.context.replace('tasks', before, after), true)
  t.same(await store.context.get('tasks', 't1'), after, 'replaced whole: a field left out is gone')
  t.equal(await store.context.replace('tasks', before, { ...before, status: 'canceled' }), false, 'read before the change: refused')
  t.same(await store.context.get('tasks', 't1'), after, 'a refused replace changes nothing')

  // any difference from what is stored refuses it: a field, the status, the updatedAt
  const now = (await store.context.get('tasks', 't1'))!
  for (const stale of [{ ...now, assignee: 'someone' }, { ...now, status: 'submitted' }, { ...now, updatedAt: '2026-01-01T00:00:00.000Z' }, { ...now, name: 'other' }]) {
    t.equal(await store.context.replace('tasks', stale, { ...now, result: 'x' }), false)
  }
  t.same(await store.context.get('tasks', 't1'), after)

  // two replaces over the same read, at once: exactly one passes
  const results = await Promise.all([
    store.context.replace('tasks', now, { ...now, status: 'completed', updatedAt: '2026-01-03T00:00:00.000Z' }),
    store.context.replace('tasks', now, { ...now, status: 'failed', updatedAt: '2026-01-03T00:00:00.000Z' }),
  ])
  t.same(results, [true, false])
  t.equal((await store.context.get('tasks', 't1'))!.status, 'completed')

  await store.context.delete('tasks', 't1')
  t.equal(await store.context.replace('tasks', now, { ...now, status: 'working' }), false, 'gone: refused')
  t.equal(await store.context.get('tasks', 't1'), undefined, 'and not created again')
}, { roundTrip: true })

// ── backup ─────────────────────────────────────────────────────────────────────────────────────────

async function snapshotRows (store: Store): Promise<Array<BackupRow & { line: number }>> {
  const rows: Array<BackupRow & { line: number }> = []
  // line 1 of a backup is its header
  for await (const r of store.backup.snapshot()) rows.push({ ...r, line: rows.length + 2 })
  return rows
}

/** A store holding some of everything a backup carries. */
async function fill (store: Store) {
  const events = [ev({ type: 'a', payloadJson: '{"x":1}' }), ev({ type: 'b', source: 's', producerId: 'p' })]
  await store.events.append(events)
  const entries = chain(undefined, 4)
  await store.audit.append(entries)
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const checkpoint = signCheckpoint({ seq: 3, hash: entries[2].hash, time: new Date().toISOString() }, privateKey, keyIdOf(publicKey))
  await store.audit.addCheckpoint(checkpoint)
  const model = item('m1', { capabilities: ['text'] })
  const task = item('t1', { status: 'working', startedAt: '2026-01-01T00:00:00.000Z' })
  await store.context.create('models', model)
  await store.context.create('agents', item('a1', { tools: ['refund'] }))
  await store.context.create('tasks', task)
  return { events, entries, checkpoint, model, task }
}

contract('backup', 'snapshot holds every row of every table it names, table by table in restore order; restore into an empty store brings it all back', async (t, store, { fresh }) => {
  const filled = await fill(store)
  const tables = store.backup.tables()
  for (const name of ['events', 'audit_entries', 'audit_checkpoints', 'context_models', 'context_agents', 'context_tasks']) t.ok(tables.includes(name), `${name} is backed up`)
  const rows = await snapshotRows(store)
  const order = rows.map((r) => tables.indexOf(r.table))
  t.ok(order.every((o, i) => o >= 0 && (i === 0 || o >= order[i - 1])), 'rows come table by table, in the order of tables()')
  const count = (table: string) => rows.filter((r) => r.table === table).length
  t.same([count('events'), count('audit_entries'), count('audit_checkpoints'), count('context_models'), count('context_agents'), count('context_tasks')], [2, 4, 1, 1, 1, 1])

  // restore into another, empty store: the same data through every port
  const other = await fresh()
  const out = await other.backup.restore(rows)
  t.match(out.inserted, { events: 2, audit_entries: 4, audit_checkpoints: 1, context_models: 1, context_agents: 1, context_tasks: 1 })
  t.ok(Object.values(out.skipped).every((n) => n === 0))
  for (const e of filled.events) t.match(await other.events.get(e.id), { id: e.id, type: e.type })
  t.same(await other.audit.range(1, 10, 10), filled.entries, 'the trail comes back exactly')
  t.same(await other.audit.checkpoints(10), [filled.checkpoint])
  t.same(await other.context.get('models', 'm1'), filled.model)
  t.same(await other.context.get('tasks', 't1'), filled.task)
  t.same(await other.audit.tail(), linkOf(filled.entries[3]), 'appends continue the restored trail')
  await other.audit.append(chain(linkOf(filled.entries[3]), 1))

  // restoring the same rows again changes nothing: every key exists
  const again = await other.backup.restore(rows)
  t.ok(Object.values(again.inserted).every((n) => n === 0), 'nothing inserted twice')
  t.match(again.skipped, { events: 2, audit_entries: 4, audit_checkpoints: 1, context_models: 1, context_agents: 1, context_tasks: 1 })
  t.equal(await other.events.count(), 2)
  t.equal(await other.audit.count(), 5)
})

contract('backup', 'restore is all or nothing: a bad row is refused naming its line, and nothing of the restore is stored', async (t, store, { fresh }) => {
  const source = await fresh()
  await fill(source)
  const rows = await snapshotRows(source)
  const bad = (row: BackupRow & { line: number }) => [...rows.slice(0, -1), row, rows[rows.length - 1]]
  const events = rows.find((r) => r.table === 'events')!
  const cases: Array<[string, BackupRow & { line: number }, RegExp]> = [
    ['an unknown table', { table: 'nope', row: { id: 'x' }, line: 40 }, /^line 40: /],
    ['an unknown column', { ...events, row: { ...events.row, id: ulid(), colour: 'red' }, line: 41 }, /^line 41: .*colour/],
    ['a missing required column', { ...events, row: { ...events.row, id: ulid(), type: null }, line: 42 }, /^line 42: .*type/],
    ['a missing key', { ...events, row: { ...events.row, id: null }, line: 43 }, /^line 43: /],
    ['an object where a value goes', { ...events, row: { ...events.row, id: ulid(), payload: { x: 1 } }, line: 44 }, /^line 44: /],
  ]
  for (const [what, row, message] of cases) {
    await t.rejects(store.backup.restore(bad(row)), { kind: 'invalid', message, details: { line: row.line } }, what)
  }
  t.equal(await store.events.count(), 0, 'nothing of any refused restore is stored')
  t.equal(await store.audit.count(), 0)
  t.same(await store.context.list('models', { limit: 10 }), [])
  const good = await store.backup.restore(rows)
  t.match(good.inserted, { events: 2, audit_entries: 4 }, 'the rows alone restore')
}, { roundTrip: true })

contract('backup', 'an immutable table (the audit trail) refuses a key that holds a different row', async (t, store, { fresh }) => {
  await fill(store)
  const rows = await snapshotRows(store)
  const entry = rows.find((r) => r.table === 'audit_entries')!
  const changed = { ...entry, row: { ...entry.row, action: 'rewritten' }, line: 2 }
  await t.rejects(store.backup.restore([changed]), { kind: 'invalid', message: /^line 2: /, details: { line: 2 } })
  const events = rows.find((r) => r.table === 'events')!
  // a mutable table skips an existing key whatever it holds
  t.match(await store.backup.restore([{ ...events, row: { ...events.row, type: 'changed' } }]), { skipped: { events: 1 }, inserted: { events: 0 } })
  t.equal((await store.events.get(String(events.row.id)))!.type, 'a')
  t.equal((await store.audit.get(String(entry.row.id)))!.action, 'order.refund', 'the stored entry is untouched')

  // another trail, restored into a store holding a trail of its own: refused whole
  const other = await fresh()
  await other.audit.append(chain(undefined, 2))
  await other.events.append([ev()])
  await t.rejects(other.backup.restore(rows), { kind: 'invalid', message: /^line \d+: /, details: { line: Number } })
  t.equal(await other.events.count(), 1, 'not even the events of that restore are stored')
  t.equal(await other.audit.count(), 2)
})

contract('backup', 'snapshot is one point in time: writes made while it is read are not in it; auditRowOf reads audit rows', async (t, store) => {
  const filled = await fill(store)
  const rows: BackupRow[] = []
  let wrote = false
  for await (const r of store.backup.snapshot()) {
    rows.push(r)
    if (!wrote) {
      wrote = true
      await store.events.append([ev({ type: 'late' })])
      await store.audit.append(chain(linkOf(filled.entries[3]), 1))
      await store.context.create('models', item('late'))
    }
  }
  t.equal(await store.events.count(), 3, 'the writes happened')
  t.same([rows.filter((r) => r.table === 'events').length, rows.filter((r) => r.table === 'audit_entries').length, rows.filter((r) => r.table === 'context_models').length], [2, 4, 1], 'and are not in the snapshot')

  const entryRow = rows.find((r) => r.table === 'audit_entries' && r.row.id === filled.entries[1].id)!
  t.same(store.backup.auditRowOf(entryRow), { entry: filled.entries[1] }, 'an entry row reads as the entry')
  t.same(store.backup.auditRowOf(rows.find((r) => r.table === 'audit_checkpoints')!), { checkpoint: filled.checkpoint })
  t.equal(store.backup.auditRowOf(rows.find((r) => r.table === 'events')!), null, 'other tables: null')
  t.throws(() => store.backup.auditRowOf({ table: 'audit_entries', row: { seq: 1, id: 'x' } }), 'a malformed row throws')
})

// ── notifier ───────────────────────────────────────────────────────────────────────────────────────

const alert = (id: string, over: Partial<AlertRecord> = {}): AlertRecord => ({
  id,
  ruleId: 'r1',
  service: 'api',
  services: ['api'],
  severity: 'critical',
  state: 'firing',
  suppressedBy: null,
  cause: 'http 503',
  incidentId: null,
  firedAt: 1000,
  resolvedAt: null,
  firingSent: false,
  lastNotifiedAt: null,
  reminders: 0,
  acknowledged: null,
  channels: ['c1'],
  ...over,
})
const message = (id: string, channelId: string, createdAt: number, over: Partial<OutboxMessage> = {}): OutboxMessage => ({
  id,
  channelId,
  kind: 'firing',
  payload: { text: id, n: [1, 2] },
  alertIds: ['a1'],
  status: 'pending',
  attempts: 0,
  createdAt,
  nextAttemptAt: createdAt,
  sentAt: null,
  lastError: null,
  ...over,
})

contract('notifier', 'definitions: put inserts or replaces per kind, delete answers whether it deleted', async (t, store) => {
  await store.notifier.putDefinition('channel', 'c1', { type: 'webhook', url: 'https://a', headers: { x: '1' } })
  await store.notifier.putDefinition('channel', 'c0', { type: 'email', to: ['ops@x'] })
  await store.notifier.putDefinition('rule', 'c1', { match: { tags: ['prod'] } })
  await store.notifier.putDefinition('channel', 'c1', { type: 'webhook', url: 'https://b' })
  const byId = async (kind: Parameters<Store['notifier']['definitions']>[0]) => Object.fromEntries((await store.notifier.definitions(kind)).map((d) => [d.id, d.spec]))
  t.same(await byId('channel'), { c0: { type: 'email', to: ['ops@x'] }, c1: { type: 'webhook', url: 'https://b' } }, 'replaced whole')
  t.same(await byId('rule'), { c1: { match: { tags: ['prod'] } } }, 'kinds apart')
  t.same(await store.notifier.definitions('silence'), [])
  t.equal(await store.notifier.deleteDefinition('channel', 'c1'), true)
  t.equal(await store.notifier.deleteDefinition('channel', 'c1'), false)
  t.same(Object.keys(await byId('channel')), ['c0'])
  t.same(Object.keys(await byId('rule')), ['c1'], 'the same id of another kind stays')
})

contract('notifier', 'record stores a service state, alert changes and queued items in one write; alerts read back by state and service', async (t, store) => {
  await store.notifier.record({
    serviceState: { service: 'api', state: 'down', tags: ['prod'], dependsOn: ['db'], at: 1000 },
    alerts: [alert('a1'), alert('a2', { service: 'web', services: ['web'], severity: 'warning' })],
    items: [{ id: 'i1', channelId: 'c1', alertId: 'a1', snapshot: { state: 'down' }, createdAt: 1000 }],
  })
  await store.notifier.record({ serviceState: { service: 'api', state: 'up', tags: ['prod'], dependsOn: [], at: 2000 } })
  await store.notifier.record({ alerts: [alert('a1', { state: 'resolved', resolvedAt: 2000, firingSent: true })], items: [{ id: 'i2', channelId: 'c1', alertId: 'a1', snapshot: { state: 'up' }, createdAt: 2000 }] })
  await store.notifier.record({ alerts: [alert('a3', { firedAt: 3000, acknowledged: { by: 'admin', at: 3500, comment: null } })] })
  t.same(await store.notifier.serviceStates(), [{ service: 'api', state: 'up', tags: ['prod'], dependsOn: [], at: 2000 }], 'the latest state per service')
  t.same((await store.notifier.openAlerts()).map((a) => a.id), ['a2', 'a3'], 'firing ones, oldest first')
  t.same(await store.notifier.getAlert('a1'), alert('a1', { state: 'resolved', resolvedAt: 2000, firingSent: true }), 'an alert change replaces it whole')
  t.same((await store.notifier.getAlert('a3'))!.acknowledged, { by: 'admin', at: 3500, comment: null })
  t.equal(await store.notifier.getAlert('nope'), undefined)
  t.same((await store.notifier.alerts({ limit: 10 })).map((a) => a.id), ['a3', 'a2', 'a1'], 'newest first')
  t.same((await store.notifier.alerts({ state: 'active', limit: 10 })).map((a) => a.id), ['a3', 'a2'])
  t.same((await store.notifier.alerts({ state: 'resolved', limit: 10 })).map((a) => a.id), ['a1'])
  t.same((await store.notifier.alerts({ service: 'api', limit: 10 })).map((a) => a.id), ['a3', 'a1'])
  t.same((await store.notifier.alerts({ limit: 1 })).map((a) => a.id), ['a3'], 'at most limit')
  t.same(await store.notifier.pendingItems(), [
    { id: 'i1', channelId: 'c1', alertId: 'a1', snapshot: { state: 'down' }, createdAt: 1000 },
    { id: 'i2', channelId: 'c1', alertId: 'a1', snapshot: { state: 'up' }, createdAt: 2000 },
  ], 'items waiting for grouping, oldest first')
}, { roundTrip: true })

contract('notifier', 'enqueue groups items into a message once; dueMessages answers each channel\'s oldest pending message when due', async (t, store) => {
  await store.notifier.record({ items: ['i1', 'i2', 'i3'].map((id, k) => ({ id, channelId: 'c1', alertId: 'a1', snapshot: {}, createdAt: k })) })
  const m1 = message('m1', 'c1', 100, { alertIds: ['a1', 'a2'] })
  await store.notifier.enqueue(m1, ['i1', 'i2'])
  t.same((await store.notifier.pendingItems()).map((i) => i.id), ['i3'], 'grouped items are no longer pending')
  await t.rejects(store.notifier.enqueue(message('mx', 'c1', 150), ['i3', 'i2']), 'an item grouped twice refuses the whole message')
  t.same((await store.notifier.pendingItems()).map((i) => i.id), ['i3'], 'and marks nothing')
  t.equal(await store.notifier.pendingCount(), 1, 'the refused message is not stored')

  await store.notifier.enqueue(message('m2', 'c1', 200), ['i3'])
  await store.notifier.enqueue(message('m3', 'c2', 300, { nextAttemptAt: 5000 }), [])
  await store.notifier.enqueue(message('m4', 'c3', 400, { nextAttemptAt: 50 }), [])
  t.equal(await store.notifier.pendingCount(), 4)
  t.same(await store.notifier.dueMessages(1000, 10), [message('m4', 'c3', 400, { nextAttemptAt: 50 }), m1], 'due ones, by next attempt; c1 only its oldest; c2 not due')
  t.same((await store.notifier.dueMessages(10_000, 10)).map((m) => m.id), ['m4', 'm1', 'm3'])
  t.same((await store.notifier.dueMessages(10_000, 2)).map((m) => m.id), ['m4', 'm1'], 'at most limit')
  t.same(await store.notifier.messageTimes('c1', 100), [200], 'creation times after `since`')
  t.same(await store.notifier.messageTimes('c1', 0), [100, 200])
  t.same(await store.notifier.messageTimes('c9', 0), [])
})

contract('notifier', 'recordAttempt logs the attempt and updates its message; deliveries newest first by alert and channel', async (t, store) => {
  await store.notifier.enqueue(message('m1', 'c1', 100, { alertIds: ['a1', 'a2'] }), [])
  await store.notifier.enqueue(message('m2', 'c1', 200, { alertIds: ['a3'] }), [])
  await store.notifier.enqueue(message('m3', 'c2', 300, { alertIds: ['a1'] }), [])
  const attempt = (messageId: string, channelId: string, alertIds: string[], n: number, outcome: 'success' | 'failure') =>
    ({ messageId, channelId, kind: 'firing', alertIds, attempt: n, at: 1000 + n, outcome, statusCode: outcome === 'success' ? 200 : 500, error: outcome === 'success' ? null : 'http 500', durationMs: 12.5 })
  await store.notifier.recordAttempt(attempt('m1', 'c1', ['a1', 'a2'], 1, 'failure'), { status: 'pending', attempts: 1, nextAttemptAt: 60_000, sentAt: null, lastError: 'http 500' })
  t.same(await store.notifier.dueMessages(1000, 10).then((ms) => ms.map((m) => m.id)), ['m3'], 'm1 waits for its retry, and c1 keeps its order: m2 waits behind it')
  t.match(await store.notifier.dueMessages(60_000, 10), [{ id: 'm3' }, { id: 'm1', attempts: 1, nextAttemptAt: 60_000, lastError: 'http 500' }], 'by next attempt')
  await store.notifier.recordAttempt(attempt('m1', 'c1', ['a1', 'a2'], 2, 'success'), { status: 'sent', attempts: 2, nextAttemptAt: 60_000, sentAt: 2000, lastError: null })
  await store.notifier.recordAttempt(attempt('m3', 'c2', ['a1'], 1, 'success'), { status: 'sent', attempts: 1, nextAttemptAt: 300, sentAt: 2001, lastError: null })
  t.same((await store.notifier.dueMessages(60_000, 10)).map((m) => m.id), ['m2'], "c1's next message is due once m1 is sent")
  t.equal(await store.notifier.pendingCount(), 1)
  const all = await store.notifier.deliveries({ limit: 10 })
  t.same(all.map((d) => `${d.messageId}#${d.attempt}`), ['m3#1', 'm1#2', 'm1#1'], 'newest first')
  t.match(all[2], { messageId: 'm1', channelId: 'c1', kind: 'firing', alertIds: ['a1', 'a2'], attempt: 1, at: 1001, outcome: 'failure', statusCode: 500, error: 'http 500', durationMs: 12.5 })
  t.ok(all[0].seq > all[1].seq)
  t.same((await store.notifier.deliveries({ alertId: 'a2', limit: 10 })).map((d) => d.attempt), [2, 1], 'by an alert among several')
  t.same((await store.notifier.deliveries({ channelId: 'c2', limit: 10 })).map((d) => d.messageId), ['m3'])
  t.same((await store.notifier.deliveries({ alertId: 'a1', channelId: 'c1', limit: 1 })).map((d) => d.attempt), [2], 'filters combine, at most limit')
  t.same(await store.notifier.deliveries({ alertId: 'a', limit: 10 }), [], 'an alert id matches whole')
})

contract('notifier', 'prune deletes old deliveries, finished messages, grouped items and resolved alerts, and answers how many', async (t, store) => {
  const old = 1000
  const now = 10_000_000
  await store.notifier.record({
    alerts: [alert('gone', { state: 'resolved', resolvedAt: old }), alert('recent', { state: 'resolved', resolvedAt: now }), alert('open', { firedAt: old })],
    items: [{ id: 'i-old', channelId: 'c1', alertId: 'gone', snapshot: {}, createdAt: old }, { id: 'i-waiting', channelId: 'c1', alertId: 'open', snapshot: {}, createdAt: old }],
  })
  await store.notifier.enqueue(message('sent-old', 'c1', old), ['i-old'])
  await store.notifier.enqueue(message('pending-old', 'c2', old), [])
  await store.notifier.enqueue(message('sent-new', 'c3', now), [])
  for (const [id, ch, at] of [['sent-old', 'c1', old], ['sent-new', 'c3', now]] as const) {
    await store.notifier.recordAttempt({ messageId: id, channelId: ch, kind: 'firing', alertIds: [], attempt: 1, at, outcome: 'success', statusCode: 200, error: null, durationMs: 1 },
      { status: 'sent', attempts: 1, nextAttemptAt: at, sentAt: at, lastError: null })
  }
  // old: a delivery, a grouped item, a sent message, a resolved alert
  t.equal(await store.notifier.prune(now - 1000), 4)
  t.same((await store.notifier.deliveries({ limit: 10 })).map((d) => d.messageId), ['sent-new'])
  t.equal(await store.notifier.getAlert('gone'), undefined)
  t.ok(await store.notifier.getAlert('recent'), 'resolved after the bound: kept')
  t.ok(await store.notifier.getAlert('open'), 'firing: kept')
  t.same((await store.notifier.pendingItems()).map((i) => i.id), ['i-waiting'], 'an item not yet grouped is kept')
  t.same((await store.notifier.dueMessages(now * 2, 10)).map((m) => m.id), ['pending-old'], 'a pending message is kept however old')
  t.same(await store.notifier.messageTimes('c3', 0), [now])
  t.same(await store.notifier.messageTimes('c1', 0), [], 'the old sent message is gone')
  t.equal(await store.notifier.prune(now - 1000), 0)
})

// ── agent tokens ───────────────────────────────────────────────────────────────────────────────────

const token = (id: string, over: Partial<AgentTokenRecord> = {}): AgentTokenRecord => ({
  id,
  agentId: 'agent-1',
  name: `token ${id}`,
  scopes: ['read', 'events:write'],
  secretHash: 'ab'.repeat(32),
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'user:admin',
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
  ...over,
})

contract('agentTokens', 'create stores every field; a taken id is a conflict; get and list by agent, newest first', async (t, store) => {
  const a = token('t1', { expiresAt: '2027-01-01T00:00:00.000Z' })
  t.same(await store.agentTokens.create(a), a)
  t.same(await store.agentTokens.get('t1'), a, 'read back with every field')
  await t.rejects(store.agentTokens.create(token('t1', { name: 'again' })), { kind: 'conflict' })
  t.same(await store.agentTokens.get('t1'), a, 'the refused create changed nothing')
  await store.agentTokens.create(token('t2', { createdAt: '2026-01-02T00:00:00.000Z' }))
  await store.agentTokens.create(token('t3', { agentId: 'agent-2', scopes: ['read'] }))
  t.same((await store.agentTokens.list({})).map((x) => x.id), ['t2', 't3', 't1'], 'newest first, then by id')
  t.same((await store.agentTokens.list({ agentId: 'agent-1' })).map((x) => x.id), ['t2', 't1'])
  t.same((await store.agentTokens.list({ agentId: 'agent-2' }))[0].scopes, ['read'])
  t.same(await store.agentTokens.list({ agentId: 'nobody' }), [])
  t.equal(await store.agentTokens.get('none'), undefined)
}, { roundTrip: true })

contract('agentTokens', 'revoke sets revokedAt once; touch only moves lastUsedAt forward', async (t, store) => {
  await store.agentTokens.create(token('t1'))
  t.match(await store.agentTokens.revoke('t1', '2026-02-01T00:00:00.000Z'), { id: 't1', revokedAt: '2026-02-01T00:00:00.000Z' })
  t.match(await store.agentTokens.revoke('t1', '2026-03-01T00:00:00.000Z'), { revokedAt: '2026-02-01T00:00:00.000Z' }, 'a second revoke keeps the first time')
  t.equal(await store.agentTokens.revoke('none', '2026-02-01T00:00:00.000Z'), undefined)
  await store.agentTokens.touch('t1', '2026-02-02T00:00:00.000Z')
  t.equal((await store.agentTokens.get('t1'))!.lastUsedAt, '2026-02-02T00:00:00.000Z')
  await store.agentTokens.touch('t1', '2026-02-01T12:00:00.000Z')
  t.equal((await store.agentTokens.get('t1'))!.lastUsedAt, '2026-02-02T00:00:00.000Z', 'never back')
  await store.agentTokens.touch('none', '2026-02-02T00:00:00.000Z')
})
