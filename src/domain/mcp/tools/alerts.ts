// The alert tools: list alerts, acknowledge one.
import { IDEMPOTENT_WRITE, READ, define, type ToolDefinition } from '../tool-kit.js'

export const ALERT_TOOLS: readonly ToolDefinition[] = [
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

]
