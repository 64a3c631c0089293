// Every area of the SQLite engine, in migration order. A new area adds one line here.
import type { SqliteArea } from './area.js'
import { eventsArea } from './events.js'
import { healthArea } from './health.js'
import { streamLogArea } from './stream-log.js'
import { auditArea } from './audit.js'
import { contextArea } from './context.js'
import { backupArea } from './backup.js'
import { notifierArea } from './notifier.js'
import { agentTokensArea } from './agent-tokens.js'

export const areas: SqliteArea[] = [
  eventsArea,
  healthArea,
  streamLogArea,
  auditArea,
  contextArea,
  backupArea,
  notifierArea,
  agentTokensArea,
]

/** Every table a backup holds, in restore order. */
export const exportTables = areas.flatMap((a) => a.exportTables ?? [])
