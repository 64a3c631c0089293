// The metrics tool: the JSON summary.
import { READ, define, type ToolDefinition } from '../tool-kit.js'

export const METRICS_TOOLS: readonly ToolDefinition[] = [
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
