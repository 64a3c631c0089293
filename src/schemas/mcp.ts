// The MCP tools' arguments and results, as JSON Schema (TypeBox), advertised by tools/list and checked
// by the tool runner. Results are sized for a model's context window: pages of 20 by default, trimmed
// fields, and a nextCursor to read on.
import { Type, type TProperties, type TSchema } from '@sinclair/typebox'
import { Nullable, StringEnum } from './common.js'
import { Severity } from './events.js'
import { SERVICE_STATES } from '../domain/shared/names.js'
import { ACTOR_TYPES, OUTCOMES } from '../domain/audit/hash-chain.js'
import { AGENT_STATUSES, MODEL_STATUSES, TASK_STATUSES } from '../domain/context/status-rules.js'
import { modelFields, taskFields } from './context.js'

const Text = (max: number, description?: string) => Type.String({ minLength: 1, maxLength: max, ...(description ? { description } : {}) })
const Page = (max: number) => Type.Optional(Type.Integer({ minimum: 1, maximum: max, default: 20, description: `page size (default 20), at most ${max}` }))
const Cursor = Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' }))
const Time = (description: string) => Type.Optional(Type.String({ format: 'date-time', description }))
const args = (props: TProperties) => Type.Object(props, { additionalProperties: false })
const NextCursor = Nullable(Type.String({ description: 'pass it as cursor to read the next page; null on the last page' }))
/** an object result: the listed fields, more allowed */
const result = (props: TProperties) => Type.Object(props)
const Obj = (description?: string): TSchema => Type.Object({}, description ? { description } : {})

const ServiceRef = Text(200, 'the service name, as check_services lists it')

const ServiceLine = result({
  name: Type.String(),
  state: StringEnum(SERVICE_STATES),
  since: Nullable(Type.String()),
  latencyMs: Nullable(Type.Number()),
  tags: Type.Array(Type.String()),
  dependsOn: Type.Array(Type.String()),
  lastCheck: Nullable(result({ at: Type.String(), verdict: Type.String(), httpStatus: Nullable(Type.Integer()), message: Nullable(Type.String()) })),
})

export const toolSchemas = {
  check_services: {
    input: args({
      refresh: Type.Optional(Type.Boolean({ description: 'probe every enabled service now before answering (takes up to the longest timeout)' })),
      state: Type.Optional(StringEnum(SERVICE_STATES, { description: 'only services in this state' })),
      tag: Type.Optional(Text(100, 'only services with this tag')),
      cursor: Cursor,
      limit: Page(500),
    }),
    output: result({
      healthy: Type.Integer(),
      degraded: Type.Integer(),
      unhealthy: Type.Integer(),
      total: Type.Integer(),
      checkedAt: Nullable(Type.String()),
      services: Type.Array(ServiceLine, { description: 'down first, then degraded, then the rest, by name' }),
      nextCursor: NextCursor,
    }),
  },
  get_service: {
    input: args({ service: ServiceRef }),
    output: result({
      service: ServiceLine,
      probe: result({ url: Type.String(), kind: Type.String(), intervalMs: Type.Integer(), timeoutMs: Type.Integer(), enabled: Type.Boolean() }),
      uptime: Type.Record(Type.String(), result({ ratio: Nullable(Type.Number()), checks: Type.Integer() }), { description: 'by window: 24h, 7d, 30d…' }),
      currentIncident: Nullable(result({ id: Type.String(), kind: Type.String(), cause: Nullable(Type.String()), startedAt: Type.String() })),
    }),
  },
  service_history: {
    input: args({ service: ServiceRef, since: Time('checks at or after'), until: Time('checks before'), cursor: Cursor, limit: Page(200) }),
    output: result({
      checks: Type.Array(result({ at: Type.String(), verdict: Type.String(), latencyMs: Type.Number(), httpStatus: Nullable(Type.Integer()), message: Nullable(Type.String()) })),
      nextCursor: NextCursor,
    }),
  },
  list_incidents: {
    input: args({ service: ServiceRef, cursor: Cursor, limit: Page(200) }),
    output: result({
      incidents: Type.Array(result({ id: Type.String(), kind: Type.String(), cause: Nullable(Type.String()), startedAt: Type.String(), endedAt: Nullable(Type.String()) })),
      nextCursor: NextCursor,
    }),
  },
  query_events: {
    input: args({
      type: Type.Optional(Text(200)),
      source: Type.Optional(Text(200)),
      severity: Type.Optional(Severity),
      minSeverity: Type.Optional(Severity),
      since: Time('received at or after'),
      until: Time('received before'),
      cursor: Cursor,
      limit: Page(200),
    }),
    output: result({
      events: Type.Array(result({
        id: Type.String(),
        type: Type.String(),
        source: Nullable(Type.String()),
        severity: Nullable(Type.String()),
        time: Nullable(Type.String()),
        receivedAt: Type.String(),
        payload: Type.Unknown({ description: 'trimmed to 2 KB of JSON; get the whole event with GET /events/{id}' }),
        payloadTrimmed: Type.Optional(Type.Boolean()),
      })),
      nextCursor: NextCursor,
    }),
  },
  record_event: {
    input: args({
      type: Type.String({ minLength: 1, maxLength: 200, description: 'a dotted name, e.g. deploy.finished' }),
      source: Type.Optional(Text(200, 'the service it is about')),
      severity: Type.Optional(Type.String({ minLength: 1, maxLength: 20, description: 'an OpenTelemetry severity text in any case (TRACE … FATAL4), or error, warn, warning, critical' })),
      time: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Integer()], { description: 'when it happened, RFC 3339 or epoch milliseconds (default: unset; receivedAt is always set)' })),
      payload: Type.Optional(Type.Unknown({ description: 'any JSON value, nested at most 32 levels' })),
      producerId: Type.Optional(Text(200, 'your id for it: the same id recorded twice is stored once')),
    }),
    output: result({ id: Type.String(), duplicate: Type.Boolean() }),
  },
  query_audit: {
    input: args({
      actorId: Type.Optional(Text(200)),
      actorType: Type.Optional(StringEnum(ACTOR_TYPES)),
      action: Type.Optional(Text(200, 'entries whose action starts with this, e.g. mcp. or context.task')),
      targetType: Type.Optional(Text(100)),
      targetId: Type.Optional(Text(200)),
      outcome: Type.Optional(StringEnum(OUTCOMES)),
      since: Time('at or after'),
      until: Time('before'),
      cursor: Cursor,
      limit: Page(200),
    }),
    output: result({
      entries: Type.Array(result({
        seq: Type.Integer(),
        id: Type.String(),
        time: Type.String(),
        actor: Obj(),
        action: Type.String(),
        target: Nullable(Obj()),
        outcome: Type.String(),
        reason: Nullable(Type.String()),
        tool: Nullable(Type.String()),
        hash: Type.String(),
      })),
      nextCursor: NextCursor,
    }),
  },
  record_audit: {
    input: args({
      action: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$', description: 'a dotted name, e.g. order.refund' }),
      outcome: Type.Optional(StringEnum(OUTCOMES, { description: 'unknown when omitted' })),
      target: Type.Optional(Type.Object({ type: Text(100), id: Text(200) }, { additionalProperties: false })),
      reason: Type.Optional(Text(2000)),
      metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      timestamp: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Integer()], { description: 'when you did it, RFC 3339 or epoch milliseconds; kept in metadata.producerTime' })),
      model: Type.Optional(Text(200, 'the model that decided')),
      onBehalfOf: Type.Optional(Text(200, 'the person you acted for')),
    }),
    output: result({ id: Type.String(), seq: Type.Integer(), hash: Type.String() }),
  },
  verify_audit: {
    input: args({}),
    output: result({ ok: Type.Boolean(), checked: Type.Integer(), firstBrokenSeq: Nullable(Type.Integer()), reason: Nullable(Type.String()), checkpointsVerified: Type.Integer(), lastSeq: Type.Integer() }),
  },
  list_alerts: {
    input: args({
      state: Type.Optional(StringEnum(['active', 'resolved', 'all'] as const, { description: 'default: active' })),
      service: Type.Optional(Text(200)),
      limit: Page(200),
    }),
    output: result({ alerts: Type.Array(result({ id: Type.String(), status: Type.String(), severity: Type.String(), service: Nullable(Type.String()) })) }),
  },
  acknowledge_alert: {
    input: args({ alert: Text(200, 'the alert id, as list_alerts gives it'), comment: Type.Optional(Text(2000)) }),
    output: result({ id: Type.String(), status: Type.String(), acknowledged: Nullable(Obj()) }),
  },
  get_context: {
    input: args({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10, description: 'items of each kind (default 10)' })) }),
    output: result({ models: Type.Array(Obj()), agents: Type.Array(Obj()), tasks: Type.Array(Obj()) }),
  },
  list_models: {
    input: args({ status: Type.Optional(StringEnum(MODEL_STATUSES)), cursor: Cursor, limit: Page(200) }),
    output: result({ models: Type.Array(Obj()), nextCursor: NextCursor }),
  },
  register_model: {
    input: args({ id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._@:-]+$' })), ...modelFields }),
    output: result({ id: Type.String(), name: Type.String(), status: Type.String() }),
  },
  list_agents: {
    input: args({ status: Type.Optional(StringEnum(AGENT_STATUSES)), cursor: Cursor, limit: Page(200) }),
    output: result({ agents: Type.Array(Obj()), nextCursor: NextCursor }),
  },
  set_agent_status: {
    input: args({ agent: Text(200, 'the agent id'), status: StringEnum(AGENT_STATUSES, { description: 'retired is final' }) }),
    output: result({ id: Type.String(), name: Type.String(), status: Type.String(), previousStatus: Type.String() }),
  },
  create_task: {
    input: args({ id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._@:-]+$' })), ...taskFields }),
    output: result({ id: Type.String(), name: Type.String(), status: Type.String() }),
  },
  update_task: {
    input: args({
      task: Text(200, 'the task id'),
      status: Type.Optional(StringEnum(TASK_STATUSES)),
      assignee: Type.Optional(Text(200)),
      result: Type.Optional(Text(4000, 'a summary of the result')),
    }),
    output: result({ id: Type.String(), name: Type.String(), status: Type.String(), previousStatus: Type.String() }),
  },
  get_metrics: {
    input: args({}),
    output: Obj('the JSON metrics summary, as GET /metrics answers it'),
  },
  set_service_paused: {
    input: args({ service: ServiceRef, paused: Type.Boolean({ description: 'true stops probing it (its state becomes paused); false resumes' }) }),
    output: result({ name: Type.String(), state: Type.String(), enabled: Type.Boolean() }),
  },
} satisfies Record<string, { input: TSchema, output: TSchema }>

export type ToolName = keyof typeof toolSchemas
