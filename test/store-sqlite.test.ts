import t from 'tap'
import { ulid } from 'ulidx'
import Database from 'better-sqlite3'
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js'
import { StoreOverloadedError } from '../src/store/port.js'
import { storeContract } from './store-contract.js'
import { tempDir } from './helper.js'

for (const writerMode of ['inline', 'thread'] as const) {
  storeContract(t, {
    name: `sqlite (${writerMode} writer)`,
    async open (t) {
      const dataDir = tempDir(t)
      const opened: Array<{ close (): Promise<void> }> = []
      t.teardown(async () => { for (const s of opened) await s.close().catch(() => {}) })
      const make = async () => { const s = await createSqliteStore({ dataDir, writerMode }); opened.push(s); return s }
      return { store: await make(), reopen: make }
    },
  })
}

t.test('sqlite: WAL, synchronous=FULL by default, NORMAL when asked, migrations recorded', async (t) => {
  for (const [durability, expected] of [['full', 2], ['normal', 1]] as const) {
    const dataDir = tempDir(t)
    const store = await createSqliteStore({ dataDir, durability })
    t.same(store.settings, { journalMode: 'wal', synchronous: expected }, `writer runs ${durability}`)
    await store.close()
    const db = new Database(store.file, { readonly: true })
    t.equal(db.pragma('journal_mode', { simple: true }), 'wal')
    t.same(db.prepare('SELECT area, version FROM schema_migrations WHERE area = ?').all('events'), [{ area: 'events', version: 1 }])
    db.close()
  }
})

t.test('sqlite: writes that arrive together share one commit', async (t) => {
  const store = await createSqliteStore({ dataDir: tempDir(t), writerMode: 'thread' })
  t.teardown(() => store.close())
  const db = new Database(store.file, { readonly: true })
  t.teardown(() => db.close())
  const before = db.pragma('data_version', { simple: true })
  const mk = (_i: number) => ({ id: ulid(), type: 'g', source: null, severity: null, time: null, producerId: null, traceparent: null, payloadJson: '{}', receivedAt: Date.now() })
  await Promise.all(Array.from({ length: 200 }, (_, i) => store.events.append([mk(i)])))
  // data_version changes once per commit seen by this connection; 200 appends in far fewer commits
  const commits = (db.pragma('data_version', { simple: true }) as number) - (before as number)
  t.ok(commits >= 1 && commits <= 5, `200 concurrent appends took ${commits} commit(s)`)
  t.equal(await store.events.count(), 200)
})

t.test('sqlite: a full write queue refuses with StoreOverloadedError, and loses nothing it accepted', async (t) => {
  const store = await createSqliteStore({ dataDir: tempDir(t), writeQueueMax: 10 })
  t.teardown(() => store.close())
  const mk = (_i: number) => ({ id: ulid(), type: 'o', source: null, severity: null, time: null, producerId: null, traceparent: null, payloadJson: '{}', receivedAt: Date.now() })
  const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => store.events.append([mk(i)])))
  const refused = results.filter((r) => r.status === 'rejected')
  const accepted = results.filter((r) => r.status === 'fulfilled')
  t.ok(refused.length > 0, `${refused.length} refused`)
  t.ok(refused.every((r) => (r as PromiseRejectedResult).reason instanceof StoreOverloadedError))
  t.equal(await store.events.count(), accepted.length, 'every accepted write is stored')
})
