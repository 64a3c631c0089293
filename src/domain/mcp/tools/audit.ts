// The audit tools: query the trail, write to it as the agent, verify it.
import { READ, WRITE, define, type ToolDefinition } from '../tool-kit.js'

export const AUDIT_TOOLS: readonly ToolDefinition[] = [
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

]
