// The store contract's health, context, notifier and agent-token cases on PostgreSQL (one fresh schema each).
import t from 'tap'
import { storeContract } from '../contract.js'
import { postgresEngine } from '../../fixtures/postgres-engine.js'

const areas = new Set(['health', 'context', 'notifier', 'agentTokens'])
storeContract(t, postgresEngine(), { filter: (c) => areas.has(c.area) })
