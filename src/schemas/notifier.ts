// Notifier models: channels, alert rules, silences, maintenance windows, alerts and deliveries.
// The same schemas validate the config file sections and the API bodies (one model, three doors).
import { Type, type Static } from '@sinclair/typebox'
import { Limit, Nullable, StringEnum } from './common.js'

const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$', description: 'lowercase letters, digits, . _ -; at most 64' })
const Name = Type.String({ minLength: 1, maxLength: 200 })
const httpUrl = (description = 'http:// or https:// URL') => Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2000, description })
const Source = Type.Object({
  source: StringEnum(['config', 'api', 'builtin'] as const, { description: 'config: from the config file, read-only through the API; builtin (alert rules only): shipped with every hub, changeable by PUT, never deleted' }),
})
const Names = Type.Array(Name, { maxItems: 1000 })
const RuleSource = Type.Composite([Source, Type.Object({ builtIn: Type.Boolean({ description: 'shipped with every hub (services-down)' }) })])

export const Matchers = {
  services: Type.Optional(Type.Array(Name, { maxItems: 1000, description: 'service names' })),
  tags: Type.Optional(Type.Array(Name, { maxItems: 100, description: 'service tags; a service matches when it has any of them' })),
}

const channelCommon = {
  id: Id,
  name: Type.Optional(Name),
  enabled: Type.Optional(Type.Boolean({ default: true })),
  maxPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'rate budget: messages per rate window (MCP_NOTIFIER_RATE_WINDOW_MS, a minute by default); past it one summary replaces the rest' })),
}

export const WebhookChannel = Type.Object({
  ...channelCommon,
  type: Type.Literal('webhook'),
  url: httpUrl(),
  secret: Type.Optional(Type.String({ maxLength: 500, description: 'HMAC-SHA256 key for the X-MCP-Signature header (write-only)' })),
  template: Type.Optional(Type.String({ maxLength: 20_000, description: 'body template; {{path}} is replaced by the payload value at that dotted path (JSON for objects), {{text}} by a readable summary' })),
  contentType: Type.Optional(Type.String({ minLength: 1, maxLength: 200, default: 'application/json' })),
  headers: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]{1,100}$' }), Type.String({ maxLength: 2000 }), { description: 'extra request headers (values write-only)' })),
}, { additionalProperties: false })

export const SlackChannel = Type.Object({
  ...channelCommon,
  type: Type.Literal('slack'),
  url: httpUrl('the incoming webhook URL (write-only: it holds the token)'),
}, { additionalProperties: false })

export const AlertmanagerChannel = Type.Object({
  ...channelCommon,
  type: Type.Literal('alertmanager'),
  url: httpUrl("Alertmanager's base URL, e.g. http://alertmanager:9093"),
  bearerToken: Type.Optional(Type.String({ maxLength: 2000, description: 'sent as Authorization: Bearer (write-only)' })),
}, { additionalProperties: false })

export const EmailChannel = Type.Object({
  ...channelCommon,
  type: Type.Literal('email'),
  host: Type.String({ minLength: 1, maxLength: 255 }),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, default: 587 })),
  tls: Type.Optional(StringEnum(['implicit', 'starttls', 'none'] as const, { default: 'starttls', description: 'implicit (port 465), starttls (required), none (plain text; only for a local relay)' })),
  user: Type.Optional(Type.String({ maxLength: 500 })),
  password: Type.Optional(Type.String({ maxLength: 500, description: 'write-only' })),
  from: Type.String({ minLength: 3, maxLength: 500 }),
  to: Type.Array(Type.String({ pattern: '^[^\\s@]+@[^\\s@]+$', maxLength: 500 }), { minItems: 1, maxItems: 100 }),
}, { additionalProperties: false })

export const Channel = Type.Union([WebhookChannel, SlackChannel, AlertmanagerChannel, EmailChannel], {
  $id: 'NotificationChannel',
  title: 'NotificationChannel',
  description: 'Where notifications go. Secret fields (secret, password, bearerToken, header values, the Slack URL) are write-only: reads show them masked; an update that omits them or sends the mask keeps the stored value.',
})
export type ChannelT = Static<typeof Channel>
export const CHANNEL_TYPES = ['webhook', 'slack', 'alertmanager', 'email'] as const

export const ChannelView = Type.Union([WebhookChannel, SlackChannel, AlertmanagerChannel, EmailChannel].map((c) => Type.Composite([c, Source])), { $id: 'NotificationChannelView', title: 'NotificationChannelView' })

export const SEVERITY_LEVELS = ['critical', 'warning'] as const
export type AlertSeverity = typeof SEVERITY_LEVELS[number]

export const AlertRule = Type.Object({
  id: Id,
  kind: Type.Optional(StringEnum(['service', 'aggregate'] as const, { default: 'service', description: 'service: one alert per matching service; aggregate: one alert while more than `threshold` matching services are unhealthy' })),
  ...Matchers,
  severities: Type.Optional(Type.Array(StringEnum(SEVERITY_LEVELS), { minItems: 1, maxItems: 2, default: ['critical', 'warning'], description: 'critical = down, warning = degraded' })),
  channels: Type.Optional(Type.Array(Id, { maxItems: 50, default: [], description: 'none: alerts are still recorded, listed by /alerts, streamed and logged at error level, but not delivered' })),
  enabled: Type.Optional(Type.Boolean({ default: true, description: 'false: the rule raises no alert and its firing alerts resolve' })),
  threshold: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'aggregate only: fires when the unhealthy count exceeds this' })),
  repeatIntervalMs: Type.Optional(Type.Integer({ minimum: 0, description: 'reminder interval while firing and not acknowledged; 0 = none; default MCP_NOTIFIER_REPEAT_INTERVAL_MS' })),
}, { $id: 'AlertRule', title: 'AlertRule', additionalProperties: false, description: 'Routes services (by name or tag; none given = every service) and severities to channels.' })
export type AlertRuleT = Static<typeof AlertRule>

export const AlertRuleView = Type.Composite([AlertRule, RuleSource], { $id: 'AlertRuleView', title: 'AlertRuleView' })

export const SilenceInput = Type.Object({
  ...Matchers,
  startsAt: Type.Optional(Type.String({ format: 'date-time', description: 'default now' })),
  endsAt: Type.String({ format: 'date-time' }),
  comment: Type.String({ minLength: 1, maxLength: 2000 }),
}, { additionalProperties: false })
export type SilenceInputT = Static<typeof SilenceInput>

export const Silence = Type.Object({
  id: Type.String(),
  services: Names,
  tags: Names,
  startsAt: Type.String({ format: 'date-time' }),
  endsAt: Type.String({ format: 'date-time' }),
  comment: Type.String(),
  author: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  active: Type.Boolean(),
}, { $id: 'Silence', title: 'Silence' })
export type SilenceT = Omit<Static<typeof Silence>, 'active'>

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
export type Weekday = typeof WEEKDAYS[number]
const TimeOfDay = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM, 24 h' })

export const MaintenanceWindow = Type.Object({
  id: Id,
  ...Matchers,
  weekdays: Type.Array(StringEnum(WEEKDAYS), { minItems: 1, maxItems: 7, description: 'days the window opens' }),
  start: TimeOfDay,
  end: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM; at or before start means the next day' }),
  timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 100, default: 'UTC', description: 'IANA time zone, e.g. Europe/Madrid' })),
  comment: Type.Optional(Type.String({ maxLength: 2000 })),
}, { $id: 'MaintenanceWindow', title: 'MaintenanceWindow', additionalProperties: false, description: 'A recurring window; no services/tags = the whole fleet.' })
export type MaintenanceWindowT = Static<typeof MaintenanceWindow>

export const MaintenanceView = Type.Composite([MaintenanceWindow, Source, Type.Object({ active: Type.Boolean({ description: 'open right now' }) })], { $id: 'MaintenanceWindowView', title: 'MaintenanceWindowView' })

export const ALERT_STATUSES = ['firing', 'acknowledged', 'suppressed', 'silenced', 'maintenance', 'resolved'] as const

export const Alert = Type.Object({
  id: Type.String(),
  ruleId: Type.String(),
  service: Nullable(Type.String({ description: 'null for an aggregate rule' })),
  services: Type.Array(Type.String(), { description: 'the services concerned (one for a service rule)' }),
  severity: StringEnum(SEVERITY_LEVELS),
  status: StringEnum(ALERT_STATUSES, { description: 'suppressed = a dependency is down; silenced/maintenance = nothing is sent' }),
  suppressedBy: Nullable(StringEnum(['dependency', 'silence', 'maintenance'] as const)),
  cause: Nullable(Type.String()),
  incidentId: Nullable(Type.String()),
  firedAt: Type.String({ format: 'date-time' }),
  resolvedAt: Nullable(Type.String({ format: 'date-time' })),
  firingSent: Type.Boolean({ description: 'a firing message went to the channels (so a resolution will too)' }),
  lastNotifiedAt: Nullable(Type.String({ format: 'date-time' })),
  reminders: Type.Integer(),
  acknowledged: Nullable(Type.Object({ by: Type.String(), at: Type.String({ format: 'date-time' }), comment: Nullable(Type.String()) })),
  channels: Type.Array(Type.String()),
}, { $id: 'Alert', title: 'Alert' })

export const AlertQuery = Type.Object({
  state: Type.Optional(StringEnum(['active', 'resolved', 'all'] as const, { default: 'all', description: 'active = not resolved' })),
  service: Type.Optional(Name),
  limit: Limit(1000, 100),
}, { additionalProperties: false })

export const AckBody = Type.Object({
  comment: Type.Optional(Type.String({ maxLength: 2000 })),
}, { additionalProperties: false })

export const Delivery = Type.Object({
  seq: Type.Integer(),
  messageId: Type.String(),
  channelId: Type.String(),
  kind: Type.String(),
  alertIds: Type.Array(Type.String()),
  attempt: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  outcome: StringEnum(['success', 'failure', 'expired', 'abandoned'] as const),
  statusCode: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  durationMs: Type.Number(),
}, { $id: 'Delivery', title: 'Delivery' })

export const DeliveryQuery = Type.Object({
  alert: Type.Optional(Type.String({ maxLength: 100, description: 'alert id' })),
  channel: Type.Optional(Type.String({ maxLength: 100, description: 'channel id' })),
  limit: Limit(1000, 100),
}, { additionalProperties: false })

export const TestResult = Type.Object({
  ok: Type.Boolean(),
  messageId: Type.String(),
  statusCode: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  durationMs: Type.Number(),
})

export const DeliveryStatus = Type.Object({
  delivering: Type.Boolean({ description: 'at least one enabled rule has an enabled channel' }),
  channels: Type.Integer({ description: 'channels configured' }),
  enabledChannels: Type.Integer(),
  undeliveredRules: Type.Array(Type.String(), { description: 'enabled rules whose alerts no enabled channel delivers' }),
  message: Type.String({ description: 'what this means, in one sentence, for the Alerts view and the start-up log' }),
}, { $id: 'DeliveryStatus', title: 'DeliveryStatus' })
export type DeliveryStatusT = Static<typeof DeliveryStatus>

export const notifierSchemas = [Channel, ChannelView, AlertRule, AlertRuleView, Silence, MaintenanceWindow, MaintenanceView, Alert, Delivery, DeliveryStatus]
