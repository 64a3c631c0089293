// The Model Context Protocol side of the hub: decorates `mcp` with the SDK's HTTP handler (stateless,
// both protocol revisions from one handler), the tool runner that audits every tools/call, and the
// publisher of resource updates: a service's state change and an alert's change reach the clients
// listening on them (2026-07-28 `subscriptions/listen`, on this instance).
import { createRequire } from 'node:module'
import fp from 'fastify-plugin'
import { createMcpHandler, type McpHttpHandler } from '@modelcontextprotocol/server'
import { buildMcpServer } from '../../domain/mcp/mcp-server.js'
import { createToolRunner, type ToolCaller, type ToolRunner } from '../../domain/mcp/tool-runner.js'
import { TOOLS, type Fleet } from '../../domain/mcp/tools.js'
import { RESOURCE_URIS, serviceUri } from '../../domain/mcp/resources.js'

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string }

declare module 'fastify' {
  interface FastifyInstance {
    mcp: {
      handler: McpHttpHandler
      runner: ToolRunner
    }
  }
}

/** how the route hands the caller to the per-request server: inside the SDK's pass-through authInfo */
export interface CallerAuthInfo {
  token: string
  clientId: string
  scopes: string[]
  /** the caller; and when the request is one tools/call of a known tool, its name (only it is registered) */
  extra: { caller: ToolCaller, toolCall?: string }
}

export default fp(async (app) => {
  const { config, bus } = app
  const fleet: Fleet = {
    health: app.health,
    events: app.events,
    audit: app.audit,
    alerts: app.notifier.alerts,
    context: app.context,
    metrics: app.metrics,
  }
  const runner = createToolRunner({
    tools: TOOLS,
    fleet,
    record: app.audit.recordFor,
    argumentsMaxBytes: config.mcpArgumentsMaxBytes,
    onError: (err, tool) => app.log.error({ err, tool }, 'an MCP tool failed'),
  })
  const handler = createMcpHandler((ctx) => {
    const extra = (ctx.authInfo as CallerAuthInfo | undefined)?.extra
    // the route always passes one; a request without would be a wiring bug, not an anonymous call
    if (!extra?.caller) throw new Error('MCP request without an authenticated caller')
    return buildMcpServer({ fleet, runner, caller: extra.caller, version, era: ctx.era, onlyTool: extra.toolCall })
  }, {
    legacy: 'stateless',
    maxSubscriptions: config.mcpMaxSubscriptions,
    maxRequestBodySize: config.bodyLimit,
    onerror: (err) => app.log.debug({ err }, 'MCP request refused'),
  })

  const unsubscribe = [
    bus.subscribe('service.transition', (t) => {
      handler.notify.resourceUpdated(serviceUri(t.service))
      handler.notify.resourceUpdated(RESOURCE_URIS.fleet)
    }),
    bus.subscribe('alert.changed', () => handler.notify.resourceUpdated(RESOURCE_URIS.alerts)),
  ]

  app.decorate('mcp', { handler, runner })
  app.addHook('preClose', async () => {
    for (const u of unsubscribe) u()
    await handler.close()
  })
}, { name: 'mcp', dependencies: ['config', 'bus', 'audit', 'health', 'events', 'notifier', 'context', 'metrics'] })
