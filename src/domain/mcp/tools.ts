// What agents can do through /mcp: one definition per tool, with its scope, its hints for the client,
// its argument and result schemas (src/schemas/mcp.ts) and what it runs. Each tool calls the same
// domain services as the REST routes, so a rule holds whichever way a change arrives. Results are
// trimmed and paged for a model's context window. No transport here: tool-runner.ts checks scopes
// and arguments and audits every call.
import type { TSchema } from '@sinclair/typebox'
import type { HealthService, ServiceStatusView, CheckView } from '../health/health-service.js'
import type { EventService } from '../events/event-log.js'
import type { AuditService } from '../audit/audit-trail.js'
import type { AuditActor } from '../audit/hash-chain.js'
import type { Registry } from '../context/registry.js'
import type { ContextItem } from '../../store/ports/context.js'
import type { ContextKind } from '../shared/names.js'
import { cursorCodec } from '../shared/cursor.js'
import { invalid } from '../shared/errors.js'
import { toolSchemas, type ToolName } from '../../schemas/mcp.js'
import type { Scope } from './scopes.js'

/** The hub's services the tools call (the app's decorations, as the plugin hands them over). */
export interface Fleet {
  health: Pick<HealthService, 'checkServices' | 'refresh' | 'detail' | 'history' | 'incidents' | 'patch' | 'uptimeDays'>
  events: Pick<EventService, 'query' | 'ingestOne'>
  audit: Pick<AuditService, 'query' | 'appendOne' | 'verify'>
  alerts: {
    list (f: { state?: 'active' | 'resolved' | 'all', service?: string, limit: number }): Promise<Array<Record<string, unknown> & { id: string }>>
    acknowledge (id: string, by: string, comment: string | null): Promise<Record<string, unknown>>
  }
  context: Registry
  metrics: { summary (): Promise<unknown> }
}

/** Who is calling, as the tools need it. */
export interface Caller {
  actor: AuditActor
  /** for entries the agent writes itself: who authenticated, from where, which request */
  submittedBy: string
  clientIp: string | null
  requestId: string | null
}

export interface Annotations { readOnlyHint: boolean, destructiveHint: boolean, idempotentHint: boolean, openWorldHint: boolean }

export interface ToolDefinition {
  name: ToolName
  title: string
  description: string
  scope: Scope
  annotations: Annotations
  input: TSchema
  output: TSchema
  run (args: any, fleet: Fleet, caller: Caller): Promise<Record<string, unknown>>
}

const READ: Annotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false }
const WRITE: Annotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false }
const IDEMPOTENT_WRITE: Annotations = { ...WRITE, idempotentHint: true }

const offsetCursor = cursorCodec('m1.')
const idCursor = cursorCodec('c1.')
const STATE_ORDER: Record<string, number> = { down: 0, degraded: 1, unknown: 2, up: 3, paused: 4 }

/** how much of an event's payload a result carries */
const PAYLOAD_MAX_BYTES = 2048

const serviceLine = (s: ServiceStatusView) => ({
  name: s.name,
  state: s.state,
  since: s.since,
  latencyMs: s.latencyMs,
  tags: s.tags,
  dependsOn: s.dependsOn,
  lastCheck: s.lastCheck ? checkLine(s.lastCheck) : null,
})
const checkLine = (c: CheckView) => ({ at: c.at, verdict: c.verdict, latencyMs: c.latencyMs, httpStatus: c.httpStatus, message: c.message })

/** a URL as an agent may see it: no user name or password */
function withoutCredentials (url: string): string {
  try {
    const u = new URL(url)
    if (!u.username && !u.password) return url
    u.username = ''
    u.password = ''
    return u.toString()
  } catch { return url }
}

function trimPayload (payload: unknown): { payload: unknown, payloadTrimmed?: true } {
  const text = JSON.stringify(payload ?? null)
  if (Buffer.byteLength(text) <= PAYLOAD_MAX_BYTES) return { payload }
  return { payload: text.slice(0, PAYLOAD_MAX_BYTES) + '…', payloadTrimmed: true }
}

const contextItem = (item: ContextItem) => item

async function contextPage (fleet: Fleet, kind: ContextKind, a: { status?: string, cursor?: string, limit: number }) {
  const rows = await fleet.context.list(kind, { status: a.status, afterId: a.cursor ? idCursor.decodeText(a.cursor) : undefined, limit: a.limit + 1 })
  const page = rows.slice(0, a.limit)
  return { items: page.map(contextItem), nextCursor: rows.length > a.limit ? idCursor.encode(page[page.length - 1].id) : null }
}

const define = <N extends ToolName>(name: N, d: Omit<ToolDefinition, 'name' | 'input' | 'output'>): ToolDefinition =>
  ({ name, input: toolSchemas[name].input, output: toolSchemas[name].output, ...d })

export const TOOLS: readonly ToolDefinition[] = [
  // ── health ──
  define('check_services', {
    title: 'Check services',
    description: 'The fleet at a glance: how many services are healthy, degraded and down, and each service with its state and last check, the failing ones first. Pass refresh: true to probe them all now.',
    scope: 'read',
    annotations: READ,
    async run (a: { refresh?: boolean, state?: string, tag?: string, cursor?: string, limit: number }, fleet) {
      const report = a.refresh ? await fleet.health.refresh() : fleet.health.checkServices()
      let services = report.services
      if (a.state !== undefined) services = services.filter((s) => s.state === a.state)
      if (a.tag !== undefined) services = services.filter((s) => s.tags.includes(a.tag!))
      services = [...services].sort((x, y) => (STATE_ORDER[x.state] - STATE_ORDER[y.state]) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
      const from = a.cursor ? Number(offsetCursor.decodeText(a.cursor)) : 0
      if (!Number.isInteger(from) || from < 0) throw invalid('cursor is not one this tool gave')
      const page = services.slice(from, from + a.limit)
      return {
        healthy: report.healthy,
        degraded: report.degraded,
        unhealthy: report.unhealthy,
        total: report.total,
        checkedAt: report.checkedAt,
        services: page.map(serviceLine),
        nextCursor: from + a.limit < services.length ? offsetCursor.encode(String(from + a.limit)) : null,
      }
    },
  }),
  define('get_service', {
    title: 'Get a service',
    description: 'One service: its state, how it is probed, its uptime over 24 hours and 7, 30, 90 and 365 days, and its open incident if it has one.',
    scope: 'read',
    annotations: READ,
    async run (a: { service: string }, fleet) {
      const d = await fleet.health.detail(a.service)
      const i = d.currentIncident
      return {
        service: serviceLine(d.status),
        probe: { url: withoutCredentials(d.definition.url), kind: d.definition.kind, intervalMs: d.definition.interval, timeoutMs: d.definition.timeout, enabled: d.definition.enabled },
        uptime: Object.fromEntries(Object.entries(d.uptime).map(([k, u]) => [k, { ratio: u.ratio, checks: u.checks }])),
        currentIncident: i ? { id: i.id, kind: i.kind, cause: i.cause, startedAt: i.startedAt } : null,
      }
    },
  }),
  define('service_history', {
    title: 'Service check history',
    description: "A service's checks, newest first: verdict, latency, HTTP status and message.",
    scope: 'read',
    annotations: READ,
    async run (a: { service: string, since?: string, until?: string, cursor?: string, limit: number }, fleet) {
      const h = await fleet.health.history(a.service, a)
      return { checks: h.checks.map(checkLine), nextCursor: h.nextCursor }
    },
  }),
  define('list_incidents', {
    title: 'List incidents',
    description: "A service's incidents (down or degraded spells), newest first, with their cause and when they ended.",
    scope: 'read',
    annotations: READ,
    async run (a: { service: string, cursor?: string, limit: number }, fleet) {
      return await fleet.health.incidents(a.service, a)
    },
  }),
  define('set_service_paused', {
    title: 'Pause or resume a service',
    description: 'Stops probing a service (during planned work, say) or starts again. Adding and removing services stays with the admin.',
    scope: 'services:write',
    annotations: IDEMPOTENT_WRITE,
    async run (a: { service: string, paused: boolean }, fleet) {
      const d = await fleet.health.patch(a.service, { enabled: !a.paused })
      return { name: d.status.name, state: d.status.state, enabled: d.status.enabled }
    },
  }),

  // ── events ──
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

  // ── audit ──
  define('query_audit', {
    title: 'Query the audit trail',
    description: 'Audit entries newest first, by actor, action prefix (e.g. mcp. for agent tool calls), target, outcome and time.',
    scope: 'read',
    annotations: READ,
    async run (a, fleet) {
      const page = await fleet.audit.query(a)
      return {
        entries: page.entries.map((e) => ({ seq: e.seq, id: e.id, time: e.time, actor: e.actor, action: e.action, target: e.target, outcome: e.outcome, reason: e.reason, tool: e.tool, hash: e.hash })),
        nextCursor: page.nextCursor,
      }
    },
  }),
  define('record_audit', {
    title: 'Write to the audit trail',
    description: 'Records something you did (an action, its target and outcome) on the tamper-evident trail, with you as the actor.',
    scope: 'audit:write',
    annotations: WRITE,
    async run (a: { onBehalfOf?: string } & Record<string, unknown>, fleet, caller) {
      const { onBehalfOf, ...rest } = a
      const { actor } = caller
      const entry = await fleet.audit.appendOne({
        ...rest,
        actor: { type: actor.type, id: actor.id, ...(actor.name ? { name: actor.name } : {}), ...((onBehalfOf ?? actor.onBehalfOf) ? { onBehalfOf: onBehalfOf ?? actor.onBehalfOf } : {}) },
      }, { submittedBy: caller.submittedBy, clientIp: caller.clientIp, requestId: caller.requestId })
      return { id: entry.id, seq: entry.seq, hash: entry.hash }
    },
  }),
  define('verify_audit', {
    title: 'Verify the audit trail',
    description: 'Walks the whole hash chain and checks every signed checkpoint: ok, or the first broken entry and why.',
    scope: 'read',
    annotations: READ,
    async run (_a, fleet) {
      return { ...await fleet.audit.verify() }
    },
  }),

  // ── alerts ──
  define('list_alerts', {
    title: 'List alerts',
    description: 'Alerts newest first: firing and acknowledged ones by default, or resolved, or all.',
    scope: 'read',
    annotations: READ,
    async run (a: { state?: 'active' | 'resolved' | 'all', service?: string, limit: number }, fleet) {
      const alerts = await fleet.alerts.list({ state: a.state ?? 'active', service: a.service, limit: a.limit })
      return { alerts: alerts.map(({ channels: _c, firingSent: _f, ...rest }) => rest) }
    },
  }),
  define('acknowledge_alert', {
    title: 'Acknowledge an alert',
    description: 'Marks a firing alert as being handled: reminders stop; its resolution is still sent.',
    scope: 'alerts:ack',
    annotations: IDEMPOTENT_WRITE,
    async run (a: { alert: string, comment?: string }, fleet, caller) {
      const by = caller.actor.onBehalfOf ? `${caller.actor.id} for ${caller.actor.onBehalfOf}` : caller.actor.id
      const alert = await fleet.alerts.acknowledge(a.alert, by, a.comment ?? null)
      return { id: alert.id as string, status: alert.status as string, acknowledged: alert.acknowledged as Record<string, unknown> | null }
    },
  }),

  // ── context ──
  define('get_context', {
    title: 'Get the context registry',
    description: 'The latest models, agents and tasks of the registry, a few of each.',
    scope: 'read',
    annotations: READ,
    async run (a: { limit: number }, fleet) {
      const [models, agents, tasks] = await Promise.all((['models', 'agents', 'tasks'] as const).map((k) => fleet.context.list(k, { limit: a.limit })))
      return { models, agents, tasks }
    },
  }),
  define('list_models', {
    title: 'List models',
    description: 'The AI models of the registry, by id, optionally by status.',
    scope: 'read',
    annotations: READ,
    async run (a, fleet) {
      const p = await contextPage(fleet, 'models', a)
      return { models: p.items, nextCursor: p.nextCursor }
    },
  }),
  define('register_model', {
    title: 'Register a model',
    description: 'Adds an AI model to the registry (name, provider, version, capabilities).',
    scope: 'context:write',
    annotations: WRITE,
    async run (a, fleet) {
      return { ...await fleet.context.create('models', { status: 'active', ...a }) }
    },
  }),
  define('list_agents', {
    title: 'List agents',
    description: 'The AI agents of the registry, by id, optionally by status.',
    scope: 'read',
    annotations: READ,
    async run (a, fleet) {
      const p = await contextPage(fleet, 'agents', a)
      return { agents: p.items, nextCursor: p.nextCursor }
    },
  }),
  define('set_agent_status', {
    title: 'Set an agent\'s status',
    description: 'Pauses, resumes or retires an agent. A paused or retired agent is refused on /mcp; retired is final.',
    scope: 'context:write',
    annotations: { ...IDEMPOTENT_WRITE, destructiveHint: true },
    async run (a: { agent: string, status: string }, fleet) {
      const { before, after } = await fleet.context.update('agents', a.agent, { status: a.status })
      return { ...after, previousStatus: before.status }
    },
  }),
  define('create_task', {
    title: 'Create a task',
    description: 'Registers a task (submitted by default) for an agent to work on.',
    scope: 'context:write',
    annotations: WRITE,
    async run (a, fleet) {
      return { ...await fleet.context.create('tasks', { status: 'submitted', ...a }) }
    },
  }),
  define('update_task', {
    title: 'Update a task',
    description: 'Moves a task on (submitted → working → completed, failed or canceled), sets its assignee or result.',
    scope: 'context:write',
    annotations: IDEMPOTENT_WRITE,
    async run (a: { task: string } & Record<string, unknown>, fleet) {
      const { task, ...changes } = a
      if (Object.keys(changes).length === 0) throw invalid('give at least one of status, assignee, result')
      const { before, after } = await fleet.context.update('tasks', task, changes)
      return { ...after, previousStatus: before.status }
    },
  }),

  // ── metrics ──
  define('get_metrics', {
    title: 'Get metrics',
    description: 'The JSON metrics summary: fleet counts, events and audit volumes, alerts, the store.',
    scope: 'read',
    annotations: READ,
    async run (_a, fleet) {
      return { ...(await fleet.metrics.summary() as Record<string, unknown>) }
    },
  }),
]
