// The store contract on SQLite's thread writer: the events cases, as the inline writer runs them. Each store starts a writer
// thread, which takes seconds under the test loader, so the cases are split over
// test/store/sqlite/thread-*.test.ts; sqlite-store.test.ts runs them all on the inline writer.
import t from 'tap'
import { storeContract } from '../contract.js'
import { sqliteEngine } from '../../fixtures/sqlite-engine.js'

storeContract(t, sqliteEngine('thread'), { filter: (c) => c.area === 'events' })
