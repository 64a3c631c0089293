// The store contract on SQLite's thread writer: one case per other area: writes, their results and refusals crossing to the thread and back. Each store starts a writer
// thread, which takes seconds under the test loader, so the cases are split over
// test/store/sqlite/thread-*.test.ts; sqlite-store.test.ts runs them all on the inline writer.
import t from 'tap'
import { storeContract } from '../contract.js'
import { sqliteEngine } from '../../fixtures/sqlite-engine.js'

storeContract(t, sqliteEngine('thread'), { filter: (c) => c.area !== 'events' && c.roundTrip === true })
