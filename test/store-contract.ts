// The storage port's contract: any engine (SQLite here, PostgreSQL later) runs this suite unchanged.
// `open` returns a fresh, empty store on a location of its own; `reopen` opens the same location again.
import { ulid } from 'ulidx'
import type { Store } from '../src/store/ports/store.js'
import type { NewEvent } from '../src/store/ports/events.js'

type Tap = typeof import('tap')['default']
export interface EngineUnderTest {
  name: string
  open (t: Tap): Promise<{ store: Store, reopen (): Promise<Store> }>
}


const ev = (over: Partial<NewEvent> = {}): NewEvent => ({
  id: ulid(over.receivedAt ?? Date.now()),
  type: 'test.happened',
  source: null,
  severity: null,
  time: null,
  producerId: null,
  traceparent: null,
  payloadJson: '{}',
  receivedAt: Date.now(),
  ...over,
})

export function storeContract (t: Tap, engine: EngineUnderTest) {
  t.test(`${engine.name}: append assigns increasing seq and stores every field`, async (t) => {
    const { store } = await engine.open(t)
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

  t.test(`${engine.name}: source + producer id is idempotent, also inside one batch`, async (t) => {
    const { store } = await engine.open(t)
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

  t.test(`${engine.name}: a large batch mixing events with and without producer ids keeps batch order in seq`, async (t) => {
    const { store } = await engine.open(t)
    const [known] = await store.events.append([ev({ source: 'mix', producerId: 'dup' })])
    // 250 plain events (more than one multi-row chunk) with keyed ones and a duplicate among them
    const batch = Array.from({ length: 260 }, (_, i) =>
      i === 7 ? ev({ source: 'mix', producerId: 'dup', payloadJson: '{"i":7}' })
        : i % 26 === 13 ? ev({ source: 'mix', producerId: `k-${i}`, payloadJson: `{"i":${i}}` })
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

  t.test(`${engine.name}: query filters, newest first, seq paging`, async (t) => {
    const { store } = await engine.open(t)
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
    t.same((await store.events.query({ since: base + 1000, until: base + 3000, limit: 10 })).length, 2)
    const page1 = await store.events.query({ limit: 2 })
    const page2 = await store.events.query({ limit: 2, beforeSeq: page1[1].seq })
    t.same([...page1, ...page2].map((e) => e.seq), all.map((e) => e.seq))
    const after = await store.events.query({ afterSeq: all[3].seq, order: 'asc', limit: 2 })
    t.same(after.map((e) => e.seq), [all[2].seq, all[1].seq], 'ascending after a seq')
  })

  t.test(`${engine.name}: prune deletes only what is older than the bound`, async (t) => {
    const { store } = await engine.open(t)
    const now = Date.now()
    const old = Array.from({ length: 4500 }, () => ev({ receivedAt: now - 40 * 86_400_000 }))
    await store.events.append(old)
    await store.events.append([ev({ receivedAt: now })])
    t.equal(await store.events.prune(now - 30 * 86_400_000), 4500)
    t.equal(await store.events.count(), 1)
  })

  t.test(`${engine.name}: what append acknowledged survives a close and reopen`, async (t) => {
    const { store, reopen } = await engine.open(t)
    const acked = await Promise.all(Array.from({ length: 50 }, (_, i) => store.events.append([ev({ producerId: `r-${i}` })])))
    await store.close()
    const again = await reopen()
    t.equal(await again.events.count(), 50)
    for (const [o] of acked) t.ok(await again.events.get(o.id), `event ${o.id} is there`)
  })

  t.test(`${engine.name}: ping answers on an open store and fails on a closed one`, async (t) => {
    const { store } = await engine.open(t)
    await store.ping()
    await store.close()
    await t.rejects(store.ping())
  })
}
