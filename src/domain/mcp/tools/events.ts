// The event tools: query the log, record an event.
import { READ, WRITE, define, type ToolDefinition } from '../tool-kit.js'

/** how much of an event's payload a result carries */
const PAYLOAD_MAX_BYTES = 2048

function trimPayload (payload: unknown): { payload: unknown, payloadTrimmed?: true } {
  const text = JSON.stringify(payload ?? null)
  if (Buffer.byteLength(text) <= PAYLOAD_MAX_BYTES) return { payload }
  return { payload: text.slice(0, PAYLOAD_MAX_BYTES) + '…', payloadTrimmed: true }
}

export const EVENT_TOOLS: readonly ToolDefinition[] = [
  define('query_events', {
    title: 'Query events',
    description: 'Events newest first, by type, source, severity (exact or at least) and time received. Payloads are trimmed to 2 KB.',
    scope: 'read',
    annotations: READ,
    async run (a, fleet) {
      const page = await fleet.events.query(a)
      return {
        events: page.events.map((e) => ({ id: e.id, type: e.type, source: e.source, severity: e.severity, time: e.time, receivedAt: e.receivedAt, ...trimPayload(e.payload) })),
        nextCursor: page.nextCursor,
      }
    },
  }),
  define('record_event', {
    title: 'Record an event',
    description: 'Stores one event (a deploy, a finding, a decision) in the event log, as a service would through POST /events. Give producerId to make a retry safe.',
    scope: 'events:write',
    annotations: WRITE,
    async run (a: { producerId?: string } & Record<string, unknown>, fleet) {
      // the event log calls the producer's id `id`; to an agent, `id` would read as the hub's
      const { producerId, ...rest } = a
      const { event, duplicate } = await fleet.events.ingestOne({ ...rest, ...(producerId !== undefined ? { id: producerId } : {}) })
      return { id: event.id, duplicate }
    },
  }),

]
