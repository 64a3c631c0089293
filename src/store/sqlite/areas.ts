// Every area of the SQLite engine, in migration order. A new area adds one line here.
import type { SqliteArea } from './area.js'
import { eventsArea } from './events.js'
import { healthArea } from './health.js'
import { streamLogArea } from './stream-log.js'

export const areas: SqliteArea[] = [
  eventsArea,
  healthArea,
  streamLogArea,
]
