// The audit appender against a real SQLite store: it chains in the domain, pipelines, and recovers
// from failed appends and from a trail that moved under it without ever forking the chain.
import t from 'tap'
import { ulid } from 'ulidx'
import { createChainAppender } from '../../../src/domain/audit/chain-appender.js'
import { ChainVerifier } from '../../../src/domain/audit/chain-verifier.js'
import { GENESIS_HASH, type AuditDraft, type AuditEntry } from '../../../src/domain/audit/hash-chain.js'
import { EMPTY_TRAIL, type AuditStore } from '../../../src/store/ports/audit.js'
import type { Store } from '../../../src/store/ports/store.js'
import { DomainError, isDomainError } from '../../../src/domain/shared/errors.js'
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store.js'
import { build, adminHeaders, tempDir } from '../../helper.js'

type Tap = import('tap').Test

const draft = (note: string, id = ulid()): AuditDraft => ({
  id,
  time: new Date().toISOString(),
  actor: { type: 'agent', id: 'bot', name: null, onBehalfOf: null },
  action: 'test.append',
  target: { type: 'note', id: note },
  outcome: 'success',
  reason: null,
  metadata: { note },
  model: null,
  tool: null,
  argumentsHash: null,
  clientIp: null,
  requestId: null,
  submittedBy: 'user:test',
})
const drafts = (note: string, n: number) => Array.from({ length: n }, (_, i) => draft(`${note}.${i}`))

async function openStore (t: Tap, opts: { writerMode?: 'inline' | 'thread', writeQueueMax?: number } = {}) {
  const store = await createSqliteStore({ dataDir: tempDir(t), ...opts })
  t.teardown(() => store.close())
  return store
}

/** The store's audit port, counting calls and how many appends are outstanding at once. */
function watched (audit: AuditStore) {
  const seen = { appends: 0, tails: 0, outstanding: 0, maxOutstanding: 0 }
  const port: Pick<AuditStore, 'append' | 'tail'> = {
    async append (entries) {
      seen.appends++
      seen.outstanding++
      seen.maxOutstanding = Math.max(seen.maxOutstanding, seen.outstanding)
      try { await audit.append(entries) } finally { seen.outstanding-- }
    },
    tail () { seen.tails++; return audit.tail() },
  }
  return { port, seen }
}

/** The whole stored trail walks clean: no gap, no fork, every link and hash right. */
async function verifyStored (t: Tap, store: Store, expected: number) {
  const entries = await store.audit.range(1, Number.MAX_SAFE_INTEGER, 1_000_000)
  const v = new ChainVerifier(new Map())
  for (const e of entries) v.add(e)
  const result = v.finish()
  t.same({ ok: result.ok, reason: result.reason, lastSeq: result.lastSeq }, { ok: true, reason: null, lastSeq: expected }, 'the stored chain verifies')
  t.equal(await store.audit.count(), expected)
  return entries
}

/** Each answer is a run of consecutive entries, and they follow one another in the order asked. */
function inOrder (t: Tap, answers: AuditEntry[][], stored: AuditEntry[]) {
  const flat = answers.flat()
  t.same(flat.map((e) => e.seq), flat.map((_, i) => flat[0].seq + i), 'answers follow one another in the order asked')
  const bySeq = new Map(stored.map((e) => [e.seq, e]))
  t.ok(flat.every((e) => bySeq.get(e.seq)?.hash === e.hash && bySeq.get(e.seq)?.id === e.id), 'each answer is what was stored')
}

t.test('the store holds the genesis link the domain chains from', async (t) => {
  t.equal(EMPTY_TRAIL.hash, GENESIS_HASH)
  t.equal(EMPTY_TRAIL.seq, 0)
})

for (const writerMode of ['inline', 'thread'] as const) {
  t.test(`${writerMode} writer: concurrent appends are pipelined from one tail read and never fork the chain`, async (t) => {
    const store = await openStore(t, { writerMode })
    const { port, seen } = watched(store.audit)
    const appender = createChainAppender(port)
    let total = 0
    const answers: AuditEntry[][] = []
    for (let wave = 0; wave < 4; wave++) {
      const calls = Array.from({ length: 60 }, (_, i) => drafts(`w${wave}.${i}`, 1 + (i % 3)))
      total += calls.reduce((n, d) => n + d.length, 0)
      // half asked at once, half spread over the next turns of the loop, while the first are written
      const pending = calls.slice(0, 30).map((d) => appender.append(d))
      for (const d of calls.slice(30)) {
        pending.push(appender.append(d))
        if (pending.length % 5 === 0) await new Promise((resolve) => setImmediate(resolve))
      }
      answers.push(...await Promise.all(pending))
    }
    t.equal(seen.tails, 1, 'the tail is read once, by the first append')
    t.equal(seen.appends, 240, 'one store append per batch: no conflict, no retry')
    t.ok(seen.maxOutstanding > 1, `batches were chained while earlier ones were written (${seen.maxOutstanding} at once)`)
    const stored = await verifyStored(t, store, total)
    inOrder(t, answers, stored)
  })
}

t.test('a failed batch goes to its caller; the batches chained after it are chained again and stored', async (t) => {
  const store = await openStore(t)
  const { port, seen } = watched(store.audit)
  const appender = createChainAppender(port)
  await appender.init()
  const [taken] = await appender.append([draft('first')])
  // one turn of the loop: A, then B whose id is taken (the store refuses it), then C and D chained after B
  const a = appender.append(drafts('a', 2))
  const b = appender.append([draft('b', taken.id)])
  const c = appender.append(drafts('c', 3))
  const d = appender.append(drafts('d', 1))
  const [ra, rb, rc, rd] = await Promise.allSettled([a, b, c, d])
  t.equal(ra.status, 'fulfilled')
  t.equal(rb.status, 'rejected')
  const err = (rb as PromiseRejectedResult).reason
  t.notOk(isDomainError(err, 'conflict'), 'the failure itself is answered, not retried as a conflict')
  t.match(err.message, /UNIQUE/)
  t.same([rc.status, rd.status], ['fulfilled', 'fulfilled'], 'the batches after the failed one are stored')
  const answers = [ra, rc, rd].map((r) => (r as PromiseFulfilledResult<AuditEntry[]>).value)
  t.same(answers.map((x) => x.map((e) => e.seq)), [[2, 3], [4, 5, 6], [7]], 'they continue where the stored trail ends, in the order asked')
  t.equal(seen.tails, 2, 'the tail is read once more, after the failure')
  t.equal(seen.appends, 1 + 4 + 2, 'C and D are sent a second time, once each')
  inOrder(t, answers, await verifyStored(t, store, 7))
  // and the appender goes on from there
  const [next] = await appender.append([draft('after')])
  t.equal(next.seq, 8)
  t.equal(seen.tails, 2, 'the tip is trusted again')
})

t.test('a busy store refuses a batch: it goes to its caller, later batches chained after it are stored', async (t) => {
  const store = await openStore(t, { writeQueueMax: 5 })
  const appender = createChainAppender(store.audit)
  // weights 3, 3, 1, 1 against a queue of 5: the second is refused, the third and fourth go in after it
  const calls = [drafts('a', 3), drafts('b', 3), drafts('c', 1), drafts('d', 1)].map((d) => appender.append(d))
  await appender.init() // no effect once appends are under way
  const [ra, rb, rc, rd] = await Promise.allSettled(calls)
  t.equal(rb.status, 'rejected')
  t.match((rb as PromiseRejectedResult).reason, { kind: 'unavailable' }, 'the refusal is answered as it came (503)')
  const answers = [ra, rc, rd].map((r) => (r as PromiseFulfilledResult<AuditEntry[]>).value)
  t.same(answers.map((x) => x.map((e) => e.seq)), [[1, 2, 3], [4], [5]])
  inOrder(t, answers, await verifyStored(t, store, 5))
})

t.test('a backup import moves the tail under the appender: the next appends continue the imported trail', async (t) => {
  // another hub's trail, exported
  const other = await openStore(t)
  const otherAppender = createChainAppender(other.audit)
  await otherAppender.append(drafts('elsewhere', 3))
  const rows = []
  for await (const r of other.backup.snapshot()) rows.push({ ...r, line: rows.length + 2 })

  const store = await openStore(t)
  const { port, seen } = watched(store.audit)
  const appender = createChainAppender(port)
  await appender.init() // the tip: an empty trail
  await store.backup.restore(rows)
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => appender.append(drafts(`here.${i}`, 2))))
  t.same(answers.map((x) => x[0].seq), Array.from({ length: 10 }, (_, i) => 4 + 2 * i), 'they continue after the imported entries')
  t.equal(answers[0][0].prevHash, (await other.audit.tail())!.hash, 'the first links to the imported tail')
  t.equal(seen.tails, 2, 'the tail is read again once')
  t.equal(seen.appends, 20, 'each of the ten batches conflicted once and was sent again once')
  inOrder(t, answers, await verifyStored(t, store, 23))
})

t.test('two appenders on one trail (two hubs on one database) keep it whole', async (t) => {
  const store = await openStore(t, { writerMode: 'thread' })
  const one = createChainAppender(store.audit)
  const two = createChainAppender(store.audit)
  let total = 0
  for (let wave = 0; wave < 5; wave++) {
    const calls = Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).append(drafts(`w${wave}.${i}`, 1 + (i % 2))))
    total += 30
    const answers = await Promise.all(calls)
    t.equal(answers.flat().length, 30, `wave ${wave}: every batch stored`)
  }
  await verifyStored(t, store, total)
})

t.test('a conflict is retried a bounded number of times, then answered', async (t) => {
  let appends = 0
  let tails = 0
  const moving: Pick<AuditStore, 'append' | 'tail'> = {
    async append () { appends++; throw new DomainError('conflict', 'the trail moved') },
    async tail () { tails++; return { seq: tails, hash: 'f'.repeat(64) } },
  }
  const appender = createChainAppender(moving, { maxConflicts: 3 })
  await t.rejects(appender.append([draft('x')]), { kind: 'conflict', message: 'the trail moved' })
  t.equal(appends, 4, 'sent once and retried three times')
  t.equal(tails, 4, 'the tail read before each send')
})

t.test('a failed tail read fails the batches waiting for it; the next append reads it again', async (t) => {
  const store = await openStore(t)
  let failTail = true
  const port: Pick<AuditStore, 'append' | 'tail'> = {
    append: (e) => store.audit.append(e),
    async tail () { if (failTail) throw new Error('store closed'); return store.audit.tail() },
  }
  const appender = createChainAppender(port)
  const waiting = [appender.append([draft('a')]), appender.append([draft('b')])]
  for (const w of waiting) await t.rejects(w, /store closed/)
  failTail = false
  const [e] = await appender.append([draft('c')])
  t.equal(e.seq, 1)
  await verifyStored(t, store, 1)
})

t.test('through the hub: concurrent POST /audit and admin changes, then GET /audit/verify is ok', async (t) => {
  const { app } = await build(t)
  const entry = (i: number) => ({ actor: { type: 'agent', id: `agent-${i % 3}` }, action: 'order.refund', target: { type: 'order', id: `o-${i}` }, outcome: 'success' })
  const posts = [
    ...Array.from({ length: 40 }, (_, i) => app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: entry(i) })),
    ...Array.from({ length: 5 }, (_, i) => app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: Array.from({ length: 10 }, (_, k) => entry(100 + 10 * i + k)) })),
    ...Array.from({ length: 5 }, (_, i) => app.inject({ method: 'POST', url: '/context/models', headers: adminHeaders, payload: { id: `m-${i}`, name: `model ${i}` } })),
  ]
  const answers = await Promise.all(posts)
  t.ok(answers.every((r) => r.statusCode === 201), answers.map((r) => r.statusCode).join(' '))
  const verify = await app.inject({ url: '/audit/verify', headers: adminHeaders })
  t.equal(verify.statusCode, 200)
  t.match(verify.json(), { ok: true, checked: 95, lastSeq: 95, firstBrokenSeq: null })
})
