// Monitored services: the definition (one model for the config file and the API), check results,
// incidents and the status views answered by /services and /check-services.
import { Type, type Static } from '@sinclair/typebox'
import { Limit, Nullable, StringEnum } from './common.js'

export const SERVICE_STATES = ['unknown', 'up', 'degraded', 'down', 'paused'] as const
export const CHECK_VERDICTS = ['up', 'degraded', 'down'] as const
export const ERROR_CLASSES = ['timeout', 'refused', 'reset', 'dns', 'tls', 'status', 'condition', 'blocked', 'error'] as const

const Duration = Type.Union([
  Type.Integer({ minimum: 1 }),
  Type.String({ pattern: '^\\d+(?:\\.\\d+)?\\s*(?:ms|s|m|h)$' }),
], { description: 'milliseconds, or a duration such as "500ms", "10s", "2m"' })

const StatusSpec = Type.Union([
  Type.Integer({ minimum: 100, maximum: 599 }),
  Type.String({ pattern: '^(?:[1-5]xx|[1-5]\\d\\d-[1-5]\\d\\d)$' }),
], { description: 'a status code, a class such as "2xx", or a range such as "200-204"' })

export const JsonCondition = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 200, description: 'dotted path into the JSON body, e.g. "status" or "$.checks[0].ok"' }),
  equals: Type.Optional(Type.Unknown({ description: 'the value found there must equal this (deep equality)' })),
  exists: Type.Optional(Type.Boolean({ description: 'true: the path must exist; false: it must not' })),
}, { additionalProperties: false })

export const ServiceInput = Type.Object({
  name: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,62}$', description: 'slug, unique: lowercase letters, digits, ".", "_", "-"' }),
  url: Type.String({ minLength: 1, maxLength: 2048, description: 'http(s)://… for http checks, tcp://host:port for tcp checks' }),
  kind: Type.Optional(StringEnum(['http', 'tcp'] as const, { description: 'check kind; default http' })),
  method: Type.Optional(StringEnum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const, { description: 'default GET' })),
  headers: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]+$' }), Type.String({ maxLength: 8192 }))),
  body: Type.Optional(Type.String({ maxLength: 65536, description: 'request body sent with the probe' })),
  expectedStatus: Type.Optional(Type.Array(StatusSpec, { minItems: 1, maxItems: 50, description: 'default ["2xx"]' })),
  bodyContains: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'the first 64 KiB of the body must contain this text' })),
  json: Type.Optional(Type.Array(JsonCondition, { maxItems: 20, description: 'conditions on the JSON body' })),
  followRedirects: Type.Optional(Type.Boolean({ description: 'default false: a redirect is judged by expectedStatus' })),
  interval: Type.Optional(Duration),
  timeout: Type.Optional(Duration),
  degradedAfterMs: Type.Optional(Type.Integer({ minimum: 1, description: 'a successful check slower than this is degraded' })),
  failureThreshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'consecutive failing checks before down; default 2' })),
  successThreshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'consecutive good checks before up again; default 2' })),
  tlsExpiryDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650, description: 'https: degraded when the certificate expires within this many days; default MCP_TLS_EXPIRY_WARN_DAYS' })),
  tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 })),
  dependsOn: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 63 }), { maxItems: 64, description: 'names of services this one needs' })),
  enabled: Type.Optional(Type.Boolean({ description: 'false pauses the checks; default true' })),
}, { $id: 'ServiceInput', title: 'ServiceInput', additionalProperties: false })
export type ServiceInputT = Static<typeof ServiceInput>

/** The stored, normalised definition: every default filled in, durations in milliseconds. */
export const ServiceDefinition = Type.Object({
  name: Type.String(),
  url: Type.String(),
  kind: StringEnum(['http', 'tcp'] as const),
  method: Type.String(),
  headers: Type.Record(Type.String(), Type.String()),
  body: Nullable(Type.String()),
  expectedStatus: Type.Array(Type.Union([Type.Integer(), Type.String()])),
  bodyContains: Nullable(Type.String()),
  json: Type.Array(JsonCondition),
  followRedirects: Type.Boolean(),
  interval: Type.Integer({ description: 'ms' }),
  timeout: Type.Integer({ description: 'ms' }),
  degradedAfterMs: Nullable(Type.Integer()),
  failureThreshold: Type.Integer(),
  successThreshold: Type.Integer(),
  tlsExpiryDays: Nullable(Type.Integer()),
  tags: Type.Array(Type.String()),
  dependsOn: Type.Array(Type.String()),
  enabled: Type.Boolean(),
}, { $id: 'ServiceDefinition', title: 'ServiceDefinition' })
export type ServiceDefinitionT = Static<typeof ServiceDefinition>

export const CheckResult = Type.Object({
  seq: Type.Optional(Type.Integer()),
  at: Type.String({ format: 'date-time' }),
  verdict: StringEnum(CHECK_VERDICTS),
  latencyMs: Type.Number(),
  httpStatus: Nullable(Type.Integer()),
  errorClass: Nullable(StringEnum(ERROR_CLASSES)),
  message: Nullable(Type.String()),
  tlsDaysLeft: Nullable(Type.Number()),
  maintenance: Type.Boolean({ description: 'taken in a maintenance window: kept here, not counted in uptime' }),
}, { $id: 'CheckResult', title: 'CheckResult' })

export const Incident = Type.Object({
  id: Type.String(),
  service: Type.String(),
  kind: StringEnum(['down', 'degraded'] as const),
  cause: Nullable(Type.String()),
  startedAt: Type.String({ format: 'date-time' }),
  endedAt: Nullable(Type.String({ format: 'date-time' })),
}, { $id: 'Incident', title: 'Incident' })

export const ServiceStatus = Type.Object({
  name: Type.String(),
  url: Type.String(),
  kind: Type.String(),
  source: StringEnum(['file', 'api'] as const, { description: 'file: defined in the config file, read-only through the API' }),
  readOnly: Type.Boolean(),
  enabled: Type.Boolean(),
  state: StringEnum(SERVICE_STATES),
  since: Nullable(Type.String({ format: 'date-time' })),
  latencyMs: Nullable(Type.Number()),
  tags: Type.Array(Type.String()),
  dependsOn: Type.Array(Type.String()),
  lastCheck: Nullable(Type.Ref(CheckResult)),
  incidentId: Nullable(Type.String()),
}, { $id: 'ServiceStatus', title: 'ServiceStatus' })

const UptimeWindow = Type.Object({
  ratio: Nullable(Type.Number({ description: 'share of checks that were up or degraded; null without checks' })),
  checks: Type.Integer(),
  up: Type.Integer(),
  degraded: Type.Integer(),
  down: Type.Integer(),
})
export const UPTIME_WINDOWS = { '24h': 1, '7d': 7, '30d': 30, '90d': 90, '365d': 365 } as const

export const ServiceDetail = Type.Object({
  status: Type.Ref(ServiceStatus),
  definition: Type.Ref(ServiceDefinition),
  uptime: Type.Object(Object.fromEntries(Object.keys(UPTIME_WINDOWS).map((k) => [k, UptimeWindow]))),
  currentIncident: Nullable(Type.Ref(Incident)),
}, { $id: 'ServiceDetail', title: 'ServiceDetail' })

export const CheckServicesReport = Type.Object({
  healthy: Type.Integer({ description: 'services up' }),
  degraded: Type.Integer(),
  unhealthy: Type.Integer({ description: 'services down' }),
  total: Type.Integer(),
  checkedAt: Nullable(Type.String({ format: 'date-time', description: 'time of the newest check' })),
  services: Type.Array(Type.Ref(ServiceStatus)),
}, { $id: 'CheckServicesReport', title: 'CheckServicesReport' })

export const ServiceName = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63 }) })

export const HistoryQuery = Type.Object({
  since: Type.Optional(Type.String({ format: 'date-time' })),
  until: Type.Optional(Type.String({ format: 'date-time' })),
  cursor: Type.Optional(Type.String({ maxLength: 100, description: 'nextCursor of the previous page' })),
  limit: Limit(1000, 100),
}, { additionalProperties: false })
export type HistoryQueryT = Static<typeof HistoryQuery>

export const HistoryPage = Type.Object({
  checks: Type.Array(Type.Ref(CheckResult)),
  nextCursor: Nullable(Type.String()),
})

export const IncidentQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 100 })),
  limit: Limit(500, 50),
}, { additionalProperties: false })

export const IncidentPage = Type.Object({
  incidents: Type.Array(Type.Ref(Incident)),
  nextCursor: Nullable(Type.String()),
})

export const UptimeDaysQuery = Type.Object({
  days: Type.Integer({ minimum: 1, maximum: 365, default: 90, description: 'how many UTC days, today included' }),
}, { additionalProperties: false })

export const UptimeDays = Type.Object({
  from: Type.String({ format: 'date', description: 'the first UTC day (index 0)' }),
  days: Type.Integer(),
  services: Type.Array(Type.Object({
    name: Type.String(),
    days: Type.Array(Type.Array(Type.Integer(), { minItems: 5, maxItems: 5 }), {
      description: '[day index, checks, up, degraded, down] for each day with checks, oldest first; maintenance checks are not counted (OpenAPI 3.0 has no tuples: five integers)',
    }),
  })),
}, { $id: 'UptimeDays', title: 'UptimeDays' })

export const UptimeBars = Type.Object({
  from: Type.String({ format: 'date', description: 'the first UTC day (the first character of each `codes`)' }),
  days: Type.Integer(),
  services: Type.Array(Type.Object({
    name: Type.String(),
    checks: Type.Integer({ description: 'checks over the window, maintenance not counted' }),
    good: Type.Integer({ description: 'of those, up or degraded' }),
    codes: Type.String({
      description: 'one character per UTC day, oldest first: `u` all up, `g` some degraded and none down, `s` some down (under 5 %), `d` down 5 % or more, `-` no checks',
    }),
  })),
}, { $id: 'UptimeBars', title: 'UptimeBars' })

export const healthSchemas = [ServiceInput, ServiceDefinition, CheckResult, Incident, ServiceStatus, ServiceDetail, CheckServicesReport, UptimeDays, UptimeBars]
