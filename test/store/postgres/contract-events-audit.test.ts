// The store contract on PostgreSQL for the areas of pg-a: events, audit, stream log, backup (backup cases fill context tables too).
import t from 'tap'
import { storeContract } from '../contract.js'
import { postgresEngine } from '../../fixtures/postgres-engine.js'

const areas = new Set(['events', 'audit', 'streamLog', 'backup'])
storeContract(t, postgresEngine(), { filter: (c) => areas.has(c.area) })
