// The store contract on PostgreSQL for the events, audit, stream-log and backup areas.
import t from 'tap'
import { storeContract } from '../contract.js'
import { postgresEngine } from '../../fixtures/postgres-engine.js'

const areas = new Set(['events', 'audit', 'streamLog'])
storeContract(t, postgresEngine(), { filter: (c) => areas.has(c.area) })
