// What an agent token may do on /mcp. Reading the fleet is `read`; every kind of change has a scope of
// its own, so an agent that triages alerts cannot also rewrite the registry. The admin (Basic auth)
// holds every scope.
export const SCOPES = ['read', 'events:write', 'audit:write', 'context:write', 'alerts:ack', 'services:write'] as const
export type Scope = typeof SCOPES[number]

export const isScope = (s: unknown): s is Scope => typeof s === 'string' && (SCOPES as readonly string[]).includes(s)

export const SCOPE_MEANING: Record<Scope, string> = {
  read: 'read services, checks, incidents, events, the audit trail, alerts, the registry and metrics',
  'events:write': 'record events',
  'audit:write': 'write entries to the audit trail (as the agent)',
  'context:write': 'register models, change agent statuses, create and update tasks',
  'alerts:ack': 'acknowledge alerts',
  'services:write': 'pause and resume the probing of a service (adding probe targets stays with the admin)',
}
