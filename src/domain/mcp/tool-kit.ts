// What a tool of /mcp is: its scope, its hints for the client, its argument and result schemas
// (src/schemas/mcp.ts) and what it runs against the hub's services. The tools themselves are in
// tools/, one file per feature; tool-runner.ts checks scopes and arguments and audits every call.
import type { TSchema } from '@sinclair/typebox'
import type { HealthService } from '../health/health-service.js'
import type { EventService } from '../events/event-log.js'
import type { AuditService } from '../audit/audit-trail.js'
import type { AuditActor } from '../audit/hash-chain.js'
import type { Registry } from '../context/registry.js'
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

export const READ: Annotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false }
export const WRITE: Annotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false }
export const IDEMPOTENT_WRITE: Annotations = { ...WRITE, idempotentHint: true }

/** A tool with its schemas from src/schemas/mcp.ts. */
export const define = <N extends ToolName>(name: N, d: Omit<ToolDefinition, 'name' | 'input' | 'output'>): ToolDefinition =>
  ({ name, input: toolSchemas[name].input, output: toolSchemas[name].output, ...d })
