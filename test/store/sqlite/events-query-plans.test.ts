// The events reads of the SQLite engine at scale: every query shape is served by an index in seq
// order (EXPLAIN QUERY PLAN, so that a lost index fails here), time ranges bounded by seq stay exact
// when ids and seqs disagree (imports, a clock set back), and the stored count is kept without a scan.
import t from 'tap'
import { ulid } from 'ulidx'
import Database from 'better-sqlite3'
import { createSqliteStore, type SqliteStore } from '../../../src/store/sqlite/sqlite-store.js'
import { eventQuerySql, ulidFloor } from '../../../src/store/sqlite/events-query.js'
import type { EventFilter, NewEvent, StoredEvent } from '../../../src/store/ports/events.js'
import { SEVERITIES, severityNumber, type Severity } from '../../../src/domain/shared/names.js'
import { tempDir } from '../../helper.js'

const T0 = Date.parse('2026-01-01T00:00:00Z')
const MIN = 60_000
const TYPES = ['a', 'b', 'c']
const LEVELS: Severity[] = ['DEBUG', 'INFO', 'WARN', 'ERROR']

const event = (i: number, receivedAt: number, over: Partial<NewEvent> = {}): NewEvent => ({
  id: ulid(receivedAt),
  type: TYPES[i % 3],
  source: `s${i % 4}`,
  severity: LEVELS[i % 4],
  time: null,
  producerId: null,
  traceparent: null,
  payloadJson: `{"i":${i}}`,
  attributesJson: null,
  receivedAt,
  ...over,
})

async function open (t: Tap.Test): Promise<SqliteStore> {
  const store = await createSqliteStore({ dataDir: tempDir(t), durability: 'normal' })
  t.teardown(() => store.close())
  return store
}

/** The plan of a statement, its detail lines joined. */
function planOf (db: Database.Database, text: string, args: unknown[]): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail).join(' | ')
}

t.test('each query shape of GET /events is served by an index in seq order, never a scan then a sort', async (t) => {
  const store = await open(t)
  await store.events.append(Array.from({ length: 50 }, (_, i) => event(i, T0 + i * MIN)))
  const db = new Database(store.file, { readonly: true })
  t.teardown(() => db.close())
  const mid = T0 + 25 * MIN
  const shapes: Array<[string, EventFilter, { lo?: number, hi?: number }, RegExp]> = [
    ['newest page', { limit: 101 }, {}, /^SCAN e$/],
    ['cursor page', { beforeSeq: 30, limit: 101 }, {}, /^SEARCH e USING INTEGER PRIMARY KEY \(rowid<\?\)$/],
    ['by type', { type: 'a', limit: 101 }, {}, /^SEARCH e USING INDEX events_type \(type=\?\)$/],
    ['by type, cursor page', { type: 'a', beforeSeq: 30, limit: 101 }, {}, /^SEARCH e USING INDEX events_type \(type=\? AND seq<\?\)$/],
    ['by source', { source: 's1', limit: 101 }, {}, /^SEARCH e USING INDEX events_source \(source=\?\)$/],
    ['by severity', { severity: 'ERROR', limit: 101 }, {}, /^SEARCH e USING INDEX events_severity \(severity_number=\?\)$/],
    ['by severity, cursor page', { severity: 'ERROR', beforeSeq: 30, limit: 101 }, {}, /^SEARCH e USING INDEX events_severity \(severity_number=\? AND seq<\?\)$/],
    ['min severity (newest-first walk, not a range of the severity index)', { minSeverity: 'WARN', limit: 101 }, {}, /^SCAN e$/],
    ['until a time', { until: mid, limit: 101 }, { hi: 25 }, /^SEARCH e USING INTEGER PRIMARY KEY \(rowid<\?\)$/],
    ['a time range', { since: mid - 10 * MIN, until: mid, limit: 101 }, { lo: 16, hi: 25 }, /^SEARCH e USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)$/],
    ['a time range by type', { type: 'b', since: mid - 10 * MIN, until: mid, limit: 101 }, { lo: 16, hi: 25 }, /^SEARCH e USING INDEX events_type \(type=\? AND seq>\? AND seq<\?\)$/],
    ['the unordered events outside the bounds', { until: mid, limit: 101 }, { hi: 25 }, /^SCAN u \| SEARCH e USING INTEGER PRIMARY KEY \(rowid=\?\)/],
  ]
  for (const [name, filter, bounds, expected] of shapes) {
    const { text, args } = eventQuerySql(filter, bounds, name.startsWith('the unordered'))
    const plan = planOf(db, text, args)
    t.match(plan, expected, `${name}: ${plan}`)
    t.notMatch(plan, /TEMP B-TREE/, `${name}: no sort`)
  }
  // the time bounds and the other reads are index seeks
  t.match(planOf(db, 'SELECT seq FROM events WHERE id < ? ORDER BY id DESC LIMIT 1', [ulidFloor(mid)]), /USING COVERING INDEX sqlite_autoindex_events_1 \(id<\?\)/, 'until → seq: a seek on the id index')
  t.match(planOf(db, 'SELECT e.seq, u.seq AS unordered FROM events AS e LEFT JOIN events_unordered AS u ON u.seq = e.seq WHERE e.id >= ? ORDER BY e.id LIMIT 1', [ulidFloor(mid)]), /USING COVERING INDEX sqlite_autoindex_events_1 \(id>\?\)/, 'since → seq: a seek on the id index')
  t.match(planOf(db, 'SELECT * FROM events WHERE id = ?', ['x']), /USING INDEX sqlite_autoindex_events_1 \(id=\?\)/, 'by id')
  t.match(planOf(db, 'SELECT n FROM events_count', []), /^SCAN events_count$/, 'the count reads one row, not the events')
})

/** What a query must answer, from every stored event (`all`, in seq order), by brute force. */
function expected (all: StoredEvent[], f: EventFilter): number[] {
  const since = f.since === undefined ? '' : ulidFloor(f.since)
  const until = f.until === undefined ? '\uffff' : ulidFloor(f.until)
  const hits = all.filter((e) => (f.type === undefined || e.type === f.type) && (f.severity === undefined || e.severity === f.severity) &&
    (f.minSeverity === undefined || severityNumber(e.severity!) >= severityNumber(f.minSeverity)) && e.id >= since && e.id < until &&
    (f.beforeSeq === undefined || e.seq < f.beforeSeq))
  return hits.map((e) => e.seq).sort((a, b) => b - a).slice(0, f.limit)
}

t.test('time ranges stay exact when ids and seqs disagree: events stored after a clock set back, and imported ones', async (t) => {
  const store = await open(t)
  // 60 events a minute apart; then 20 whose receive times fall among them (a clock set back an hour)
  await store.events.append(Array.from({ length: 60 }, (_, i) => event(i, T0 + i * MIN)))
  await store.events.append(Array.from({ length: 20 }, (_, i) => event(100 + i, T0 + 10 * MIN + i * 2 * MIN + 30_000)))
  // an import of another hub's events, received before all of these
  const other = await open(t)
  await other.events.append(Array.from({ length: 10 }, (_, i) => event(200 + i, T0 - 30 * MIN + i * 5 * MIN)))
  const rows = []
  for await (const row of other.backup.snapshot()) rows.push(row)
  const restored = await store.backup.restore(rows.filter((r) => r.table === 'events'))
  t.equal(restored.inserted.events, 10)
  // and ordered events after them
  await store.events.append(Array.from({ length: 10 }, (_, i) => event(300 + i, T0 + 70 * MIN + i * MIN)))

  const all = (await store.events.query({ limit: 1000, order: 'asc' }))
  t.equal(all.length, 100)
  t.equal(await store.events.count(), 100, 'the count follows appends and imports')
  const db = new Database(store.file, { readonly: true })
  t.teardown(() => db.close())
  const unordered = (db.prepare('SELECT count(*) AS n FROM events_unordered').get() as { n: number }).n
  t.equal(unordered, 30, 'the 20 events of the clock set back and the 10 imported ones are recorded as out of id order')

  let checked = 0
  for (const since of [undefined, T0 - 20 * MIN, T0 + 5 * MIN, T0 + 15 * MIN + 10_000, T0 + 65 * MIN]) {
    for (const until of [undefined, T0 - 10 * MIN, T0 + 12 * MIN, T0 + 25 * MIN + 30_000, T0 + 75 * MIN]) {
      if (since === undefined && until === undefined) continue
      for (const extra of [{}, { type: 'b' }, { severity: 'WARN' as Severity }, { minSeverity: 'WARN' as Severity }, { beforeSeq: 70 }]) {
        for (const limit of [3, 1000]) {
          for (const order of ['desc', 'asc'] as const) {
            const f: EventFilter = { since, until, limit, order, ...extra }
            let want = expected(all, { ...f, limit: 1000 })
            if (order === 'asc') want = want.reverse()
            want = want.slice(0, limit)
            const got = (await store.events.query(f)).map((e) => e.seq)
            t.same(got, want, JSON.stringify(f))
            checked++
          }
        }
      }
    }
  }
  t.ok(checked > 400)

  // retention deletes by receive time, unordered ones included, and keeps the count and the order records
  const pruned = await store.events.prune(T0 + 20 * MIN)
  const left = all.filter((e) => e.id >= ulidFloor(T0 + 20 * MIN))
  t.equal(pruned, 100 - left.length)
  t.equal(await store.events.count(), left.length)
  const kept = db.prepare('SELECT u.seq FROM events_unordered AS u LEFT JOIN events AS e ON e.seq = u.seq WHERE e.seq IS NULL').all()
  t.same(kept, [], 'no order record outlives its event')
  t.same((await store.events.query({ until: T0 + 40 * MIN, limit: 1000 })).map((e) => e.seq), expected(left, { until: T0 + 40 * MIN, limit: 1000 }))
})

t.test('version 3 on an existing database records the events out of id order and the count', async (t) => {
  const dataDir = tempDir(t)
  const first = await createSqliteStore({ dataDir, durability: 'normal' })
  await first.events.append([event(0, T0 + 5 * MIN), event(1, T0 + 6 * MIN)])
  await first.events.append([event(2, T0 + MIN), event(3, T0 + 7 * MIN), event(4, T0 + 2 * MIN)])
  const file = first.file
  await first.close()
  // wind the events area back to version 2
  const db = new Database(file)
  db.exec('DROP INDEX events_severity; DROP TABLE events_unordered; DROP TABLE events_count')
  db.prepare("DELETE FROM schema_migrations WHERE area = 'events' AND version = 3").run()
  db.close()
  const again = await createSqliteStore({ dataDir, durability: 'normal' })
  t.teardown(() => again.close())
  t.equal(await again.events.count(), 5)
  const check = new Database(file, { readonly: true })
  t.teardown(() => check.close())
  t.same(check.prepare('SELECT seq FROM events_unordered ORDER BY seq').all(), [{ seq: 3 }, { seq: 5 }], 'the events stored after a larger id')
  t.same((await again.events.query({ since: T0 + 90_000, until: T0 + 6 * MIN, limit: 10 })).map((e) => e.payload), [{ i: 4 }, { i: 0 }])
})

t.test('severity = X reads the events of that severity only, also when a row\'s number disagrees with its text', async (t) => {
  const store = await open(t)
  await store.events.append(SEVERITIES.map((s, i) => event(i, T0 + i * MIN, { severity: s })))
  for (const s of SEVERITIES) t.same((await store.events.query({ severity: s, limit: 10 })).map((e) => e.severity), [s])
  // an imported row whose number was written by hand: the text decides, as before the index
  await store.backup.restore([{ table: 'events', row: { id: ulid(T0 + 90 * MIN), type: 'x', severity: 'INFO', severity_number: severityNumber('ERROR'), payload: '{}', received_at: T0 + 90 * MIN } }])
  t.same((await store.events.query({ severity: 'ERROR', limit: 10 })).map((e) => e.severity), ['ERROR'])
})
