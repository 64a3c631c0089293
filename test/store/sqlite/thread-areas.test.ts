// The store contract on SQLite's thread writer: one case per other area: writes, their results and refusals crossing to the thread and back. Each store starts a writer thread, which
// takes seconds under the test loader, so the cases are split over test/store/sqlite-thread-*.test.ts;
// test/store-sqlite.test.ts runs them all on the inline writer.
import t from 'tap'
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store.js'
import { storeContract } from '../contract.js'
import { tempDir } from '../../helper.js'

storeContract(t, {
  name: 'sqlite (thread writer)',
  async open (t) {
    const dataDir = tempDir(t)
    const opened: Array<{ close (): Promise<void> }> = []
    t.teardown(async () => { for (const s of opened) await s.close().catch(() => {}) })
    const make = async () => { const s = await createSqliteStore({ dataDir, writerMode: 'thread' }); opened.push(s); return s }
    return { store: await make(), reopen: make }
  },
}, { filter: (c) => c.area !== 'events' && c.roundTrip === true })
