import t from 'tap'
import { ulid } from 'ulidx'
import Database from 'better-sqlite3'
import { fdatasync } from 'node:fs'
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store.js'
import { StoreOverloadedError } from '../../../src/store/ports/store.js'
import { storeContract } from '../contract.js'
import { sqliteEngine } from '../../fixtures/sqlite-engine.js'
import { tempDir } from '../../helper.js'

// The whole contract on the inline writer. The thread writer runs the events cases and one case per
// other area in test/store/sqlite/thread-*.test.ts: each store it opens starts a thread, which takes
// seconds under the test loader.
storeContract(t, sqliteEngine('inline'))

t.test('sqlite: WAL; full durability syncs the WAL after each commit (inline) or in it (thread); normal never', async (t) => {
  const cases = [
    ['full', 'inline', { journalMode: 'wal', synchronous: 1, walSync: 'after-commit' }],
    ['full', 'thread', { journalMode: 'wal', synchronous: 2, walSync: 'commit' }],
    ['normal', 'inline', { journalMode: 'wal', synchronous: 1, walSync: 'none' }],
  ] as const
  for (const [durability, writerMode, expected] of cases) {
    const dataDir = tempDir(t)
    const store = await createSqliteStore({ dataDir, durability, writerMode })
    t.same(store.settings, expected, `${writerMode} writer runs ${durability}`)
    await store.close()
    const db = new Database(store.file, { readonly: true })
    t.equal(db.pragma('journal_mode', { simple: true }), 'wal')
    t.same(db.prepare('SELECT area, version FROM schema_migrations WHERE area = ?').all('events'), [{ area: 'events', version: 1 }, { area: 'events', version: 2 }, { area: 'events', version: 3 }])
    db.close()
  }
})

t.test('sqlite: a store of events version 1 gains the attributes column and keeps its rows', async (t) => {
  const dataDir = tempDir(t)
  const store = await createSqliteStore({ dataDir })
  const file = store.file
  await store.close()
  // wind the events table back to its version 1 shape, with one row in it
  const db = new Database(file)
  db.exec('ALTER TABLE events DROP COLUMN attributes')
  db.prepare("DELETE FROM schema_migrations WHERE area = 'events' AND version = 2").run()
  db.prepare("INSERT INTO events (id, type, payload, received_at) VALUES (?, 'old.one', '{\"k\":1}', ?)").run(ulid(), Date.now())
  db.close()
  const again = await createSqliteStore({ dataDir })
  t.teardown(() => again.close())
  const [old] = await again.events.query({ limit: 10 })
  t.match(old, { type: 'old.one', payload: { k: 1 }, attributes: null })
  await again.events.append([{ ...newEvent('new.one'), attributesJson: '{"a":1}' }])
  const [fresh] = await again.events.query({ limit: 1 })
  t.same(fresh.attributes, { a: 1 })
})

const newEvent = (type: string) => ({ id: ulid(), type, source: null, severity: null, time: null, producerId: null, traceparent: null, payloadJson: '{}', attributesJson: null, receivedAt: Date.now() })
const settled = async (p: Promise<unknown>) => {
  let state = 'pending'
  p.then(() => { state = 'resolved' }, () => { state = 'rejected' })
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
  return state
}

t.test('sqlite: a write is acknowledged only once the WAL sync after its commit has completed', async (t) => {
  const held: Array<() => void> = []
  const store = await createSqliteStore({
    dataDir: tempDir(t),
    // the real fdatasync, run only when the test lets it
    syncWal: (fd, done) => { held.push(() => fdatasync(fd, done)) },
  })
  t.teardown(async () => { while (held.length) held.shift()!(); await store.close() })
  const other = new Database(store.file, { readonly: true })
  t.teardown(() => other.close())
  const append = store.events.append([newEvent('held')])
  t.equal(await settled(append), 'pending', 'not acknowledged while its sync is held back')
  t.equal((other.prepare("SELECT count(*) AS n FROM events WHERE type = 'held'").get() as { n: number }).n, 1, 'the commit itself has happened')
  t.equal(held.length, 1, 'one sync asked for')
  held.shift()!()
  const [outcome] = await append
  t.equal(outcome.duplicate, false)
  t.ok(outcome.seq > 0, 'acknowledged once the sync completed')

  // writes that queue while a sync is in flight share the next commit and the next sync
  const second = Array.from({ length: 20 }, () => store.events.append([newEvent('queued')]))
  await new Promise((resolve) => setImmediate(resolve))
  const third = Array.from({ length: 20 }, () => store.events.append([newEvent('queued')]))
  t.equal(await settled(Promise.all(second)), 'pending')
  t.equal(held.length, 1, 'the writes queued behind the held sync wait for it')
  held.shift()!()
  await Promise.all(second)
  await new Promise((resolve) => setImmediate(resolve))
  t.ok(held.length <= 1, 'the next batch needs at most one more sync')
  while (held.length) held.shift()!()
  await Promise.all(third)
  t.equal(await store.events.count(), 41)
})

t.test('sqlite: appends committed together run as one call, and a failing write in their batch fails alone', async (t) => {
  // without the failing write the appends run merged; with it the batch is run again op by op
  for (const [writerMode, withFailure] of [['inline', false], ['inline', true], ['thread', false], ['thread', true]] as const) {
    const store = await createSqliteStore({ dataDir: tempDir(t), writerMode })
    t.teardown(() => store.close())
    // one turn of the loop: appends (two of them the same source + producer id), a failing write
    // (a checkpoint of an entry that does not exist), and more appends after it
    const keyed = () => ({ ...newEvent('merged'), source: 'svc', producerId: 'same' })
    const before = Array.from({ length: 10 }, () => store.events.append([newEvent('merged')]))
    const first = store.events.append([keyed()])
    const second = store.events.append([keyed(), newEvent('merged')])
    const failing = withFailure ? store.audit.addCheckpoint({ seq: 99, hash: 'f'.repeat(64), time: new Date().toISOString(), keyId: 'k', signature: 's' }) : null
    const after = Array.from({ length: 10 }, () => store.events.append([newEvent('merged')]))
    if (failing) await t.rejects(failing, /does not match/, `${writerMode}: the bad write fails`)
    const outcomes = await Promise.all([...before, first, second, ...after])
    t.equal(outcomes.length, 22, `${writerMode}: every append answers`)
    const [[a], [b, c]] = [await first, await second]
    t.same([a.duplicate, b.duplicate, c.duplicate], [false, true, false], 'a duplicate across requests of one commit is found')
    t.equal(b.id, a.id)
    const seqs = outcomes.flat().filter((o) => !o.duplicate).map((o) => o.seq)
    t.equal(new Set(seqs).size, 22, 'each stored event its own seq')
    t.equal(await store.events.count(), 22)
    t.equal((await store.audit.checkpoints(1000)).length, 0, 'nothing of the failing write is stored')
  }
})

t.test('sqlite: a failed WAL sync fails its writes and refuses every later one', async (t) => {
  let fail = true
  const store = await createSqliteStore({
    dataDir: tempDir(t),
    syncWal: (fd, done) => {
      if (!fail) return fdatasync(fd, done)
      done(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }))
    },
  })
  t.teardown(() => store.close())
  await t.rejects(store.events.append([newEvent('lost')]), { name: 'WriteFailedError', code: 'EIO', message: /could not sync its write-ahead log/ })
  fail = false
  // nothing says what reached the disk after a failed fsync: the store stays refused until reopened
  await t.rejects(store.events.append([newEvent('after')]), { name: 'WriteFailedError', code: 'EIO' })
})

t.test('sqlite: writes that arrive together share one commit', async (t) => {
  const store = await createSqliteStore({ dataDir: tempDir(t), writerMode: 'thread' })
  t.teardown(() => store.close())
  const db = new Database(store.file, { readonly: true })
  t.teardown(() => db.close())
  const before = db.pragma('data_version', { simple: true })
  await Promise.all(Array.from({ length: 200 }, () => store.events.append([newEvent('g')])))
  // data_version changes once per commit seen by this connection; 200 appends in far fewer commits
  const commits = (db.pragma('data_version', { simple: true }) as number) - (before as number)
  t.ok(commits >= 1 && commits <= 5, `200 concurrent appends took ${commits} commit(s)`)
  t.equal(await store.events.count(), 200)
})

t.test('sqlite: a full write queue refuses with StoreOverloadedError, and loses nothing it accepted', async (t) => {
  const store = await createSqliteStore({ dataDir: tempDir(t), writeQueueMax: 10 })
  t.teardown(() => store.close())
  const results = await Promise.allSettled(Array.from({ length: 100 }, () => store.events.append([newEvent('o')])))
  const refused = results.filter((r) => r.status === 'rejected')
  const accepted = results.filter((r) => r.status === 'fulfilled')
  t.ok(refused.length > 0, `${refused.length} refused`)
  t.ok(refused.every((r) => (r as PromiseRejectedResult).reason instanceof StoreOverloadedError))
  t.equal(await store.events.count(), accepted.length, 'every accepted write is stored')
})
