import { Type, type Static } from '@sinclair/typebox'
import { SEVERITIES } from '../domain/shared/names.js'
import { Limit, Nullable, StringEnum } from './common.js'

export const Severity = StringEnum(SEVERITIES, { description: 'OpenTelemetry severity text' })

export const EventInput = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 200, description: 'what happened, e.g. order.created' }),
  payload: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'any JSON object' })),
  source: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the emitting service' })),
  severity: Type.Optional(Severity),
  time: Type.Optional(Type.String({ format: 'date-time', description: "the producer's timestamp (RFC 3339)" })),
  id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "the producer's id; with source, makes the write idempotent" })),
  traceparent: Type.Optional(Type.String({ pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$', description: 'W3C trace context' })),
}, { $id: 'EventInput', title: 'EventInput', additionalProperties: false })
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
  payload: Type.Record(Type.String(), Type.Unknown()),
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
