import { Type, type Static } from '@sinclair/typebox'
import { SEVERITIES } from '../domain/shared/names.js'
import { MAX_JSON_DEPTH } from '../domain/shared/json-depth.js'
import { Limit, Nullable, StringEnum } from './common.js'

export const Severity = StringEnum(SEVERITIES, { description: 'OpenTelemetry severity text' })

const ProducerTime = (description: string) => Type.Union([
  Type.String({ minLength: 1, maxLength: 64 }),
  Type.Integer(),
], { description: `${description}: epoch milliseconds (1970 to 9999) or an RFC 3339 date-time` })

/** The fields of an event body; any other top-level field is kept under `attributes`. */
export const EVENT_FIELDS = ['type', 'payload', 'source', 'severity', 'time', 'timestamp', 'id', 'traceparent', 'attributes'] as const

export const EventInput = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 200, description: 'what happened, e.g. order.created' }),
  payload: Type.Optional(Type.Unknown({ description: `any JSON value (object, array, string, number, boolean, null), nested at most ${MAX_JSON_DEPTH} levels` })),
  source: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the emitting service' })),
  severity: Type.Optional(Type.String({ minLength: 1, maxLength: 20, description: 'an OpenTelemetry severity text in any case (TRACE … FATAL4), or error, warn, warning, critical' })),
  time: Type.Optional(ProducerTime("the producer's time")),
  timestamp: Type.Optional(ProducerTime("the producer's time, as the original design calls it (give time or timestamp, not both)")),
  id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "the producer's id; with source, makes the write idempotent" })),
  traceparent: Type.Optional(Type.String({ pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$', description: 'W3C trace context' })),
  attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'free fields; unknown top-level fields are added to them (bounded: MCP_EVENT_ATTRIBUTES_MAX, MCP_EVENT_ATTRIBUTES_MAX_BYTES)' })),
}, {
  $id: 'EventInput',
  title: 'EventInput',
  description: 'An event. Unknown top-level fields are not refused: they are kept under attributes.',
  additionalProperties: true,
})
export type EventInputT = Static<typeof EventInput>

export const Event = Type.Object({
  id: Type.String({ description: "the hub's sortable id (ULID)" }),
  seq: Type.Integer(),
  type: Type.String(),
  source: Nullable(Type.String()),
  severity: Nullable(Type.String()),
  time: Nullable(Type.String()),
  producerId: Nullable(Type.String()),
  traceparent: Nullable(Type.String()),
  payload: Type.Unknown({ description: 'the JSON value sent ({} when none was)' }),
  attributes: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'the unknown top-level fields of the body, and its attributes' })),
  receivedAt: Type.String({ format: 'date-time' }),
}, { $id: 'Event', title: 'Event' })

export const IngestBody = Type.Union([Type.Ref(EventInput), Type.Array(Type.Ref(EventInput))], {
  description: 'one event, or an array of them (each validated on its own: good items are stored, bad ones reported)',
})

export const BatchResult = Type.Object({
  accepted: Type.Array(Type.Object({ index: Type.Integer(), id: Type.String(), duplicate: Type.Boolean() })),
  rejected: Type.Array(Type.Object({ index: Type.Integer(), message: Type.String() })),
}, { $id: 'BatchResult', title: 'BatchResult' })

export const BatchRejected = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String(),
  rejected: Type.Array(Type.Object({ index: Type.Integer(), message: Type.String() })),
})

export const EventQuery = Type.Object({
  type: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  source: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  severity: Type.Optional(Severity),
  minSeverity: Type.Optional(Severity),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'received at or after' })),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'received before' })),
  cursor: Type.Optional(Type.String({ maxLength: 100, description: 'nextCursor of the previous page' })),
  limit: Limit(1000, 100),
}, { additionalProperties: false })
export type EventQueryT = Static<typeof EventQuery>

export const EventPage = Type.Object({
  events: Type.Array(Type.Ref(Event)),
  nextCursor: Nullable(Type.String()),
}, { $id: 'EventPage', title: 'EventPage' })

export const sharedSchemas = [EventInput, Event, BatchResult, EventPage]
