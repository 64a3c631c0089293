// The events area of the PostgreSQL engine. (Being written this session: its helper replaces this file.)
import type { PgArea } from './area.js'
import type { EventStore } from '../ports/events.js'

export const eventsArea: PgArea<EventStore> = {
  name: 'events',
  migrations: [],
  open () {
    return new Proxy({}, { get: (_, op) => { throw new Error(`postgres events.${String(op)}: not written yet`) } }) as EventStore
  },
}
