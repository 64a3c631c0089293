// What agents can do through /mcp: every tool, one file per feature in tools/. Each tool calls the
// same domain services as the REST routes, so a rule holds whichever way a change arrives. Results are
// trimmed and paged for a model's context window. No transport here: tool-runner.ts checks scopes
// and arguments and audits every call.
import type { ToolDefinition } from './tool-kit.js'
import { HEALTH_TOOLS } from './tools/health.js'
import { EVENT_TOOLS } from './tools/events.js'
import { AUDIT_TOOLS } from './tools/audit.js'
import { ALERT_TOOLS } from './tools/alerts.js'
import { CONTEXT_TOOLS } from './tools/context.js'
import { METRICS_TOOLS } from './tools/metrics.js'

export type { Annotations, Caller, Fleet, ToolDefinition } from './tool-kit.js'

export const TOOLS: readonly ToolDefinition[] = [...HEALTH_TOOLS, ...EVENT_TOOLS, ...AUDIT_TOOLS, ...ALERT_TOOLS, ...CONTEXT_TOOLS, ...METRICS_TOOLS]
