// Every area of the PostgreSQL engine, in migration order (the same areas as the SQLite engine).
import type { PgArea } from './area.js'
import { eventsArea } from './events.js'
import { healthArea } from './health.js'
import { streamLogArea } from './stream-log.js'
import { auditArea } from './audit.js'
import { contextArea } from './context.js'
import { backupArea } from './backup.js'
import { notifierArea } from './notifier.js'
import { agentTokensArea } from './agent-tokens.js'
import { clusterArea } from './cluster.js'

export const areas = {
  events: eventsArea,
  health: healthArea,
  streamLog: streamLogArea,
  audit: auditArea,
  context: contextArea,
  backup: backupArea,
  notifier: notifierArea,
  agentTokens: agentTokensArea,
  // last: its triggers attach to the tables of the areas above
  cluster: clusterArea,
}

export const areaList: PgArea[] = Object.values(areas)
