// Every area of the SQLite engine, in migration order. A new area adds one line here.
import type { SqliteArea } from './area.js'
import { eventsArea } from './events.js'
import { notifierArea } from './notifier.js'

export const areas: SqliteArea[] = [
  eventsArea,
  notifierArea,
]
