// One MCP server instance for one request (the SDK's stateless serving: any instance of the hub can
// answer any request). It registers the tools, resources and prompts for the caller; every tools/call
// goes through the tool runner, which checks the scope and arguments and audits the call.
import type { TSchema } from '@sinclair/typebox'
import {
  McpServer, ResourceTemplate, ResourceNotFoundError, ProtocolError, ProtocolErrorCode,
  type StandardSchemaWithJSON, type ServerContext,
} from '@modelcontextprotocol/server'
import { Type } from '@sinclair/typebox'
import { compileValidator } from '../shared/validation.js'
import { isDomainError } from '../shared/errors.js'
import { TOOLS, type Fleet } from './tools.js'
import type { ToolCaller, ToolRunner } from './tool-runner.js'
import { RESOURCE_URIS, listServices, readAlerts, readContext, readFleet, readService } from './resources.js'
import { FLEET_WINDOWS, fleetReport, triageIncident, type FleetWindow } from './prompts.js'
import { StringEnum } from '../../schemas/common.js'

/** the `_meta` key (or HTTP header X-MCP-On-Behalf-Of) naming the person an agent acts for */
export const ON_BEHALF_OF_META = 'onBehalfOf'

/**
 * A JSON Schema as the SDK takes schemas (Standard Schema with JSON Schema). Tool arguments are not
 * checked here: the tool runner checks them, so that a refusal is audited and names the argument.
 */
function advertised (schema: TSchema): StandardSchemaWithJSON {
  const json = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>
  return { '~standard': { version: 1, vendor: 'mcp-server', validate: (value: unknown) => ({ value }), jsonSchema: { input: () => json, output: () => json } } } as StandardSchemaWithJSON
}

/** A checked schema, for prompt arguments: the SDK answers Invalid Params naming the argument. */
function checked (schema: TSchema): StandardSchemaWithJSON {
  const json = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>
  const v = compileValidator<Record<string, unknown>>(schema)
  return {
    '~standard': {
      version: 1,
      vendor: 'mcp-server',
      validate: (value: unknown) => {
        const bad = v.firstError(value, '')
        return bad === undefined ? { value } : { issues: [{ message: `argument ${bad.replace(/^\//, '')}` }] }
      },
      jsonSchema: { input: () => json, output: () => json },
    },
  } as StandardSchemaWithJSON
}

const TOOL_SCHEMAS = new Map(TOOLS.map((t) => [t.name, { input: advertised(t.input), output: advertised(t.output) }]))
const TriageArgs = checked(Type.Object({ service: Type.String({ minLength: 1, maxLength: 200, description: 'the service to triage' }) }))
const ReportArgs = checked(Type.Object({ window: StringEnum(Object.keys(FLEET_WINDOWS) as FleetWindow[], { description: '24h, 7d or 30d' }) }))

const INSTRUCTIONS = 'MCP Server watches a fleet of services and keeps a tamper-evident audit trail. Start with check_services ' +
  '(the failing services come first), then get_service, service_history and list_incidents for one service, query_events for what ' +
  'services reported, and list_alerts. Every tool call you make is recorded on the audit trail with your agent identity.'

export interface BuildOptions {
  fleet: Fleet
  runner: ToolRunner
  caller: ToolCaller
  version: string
  /** 2026-07-28 clients may listen for resource updates; 2025 clients are served statelessly, without a stream */
  era: 'legacy' | 'modern'
  /**
   * The request is a tools/call of this tool: only it is registered (a fifth of the instance's cost;
   * the capabilities stay those of the whole server)
   */
  onlyTool?: string
}

function needRead (caller: ToolCaller) {
  if (!caller.scopes.includes('read')) throw new ProtocolError(ProtocolErrorCode.InvalidRequest, "reading resources and prompts needs the scope 'read'")
}

const asJson = (uri: string, value: unknown) => ({ contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(value) }] })

export function buildMcpServer (o: BuildOptions): McpServer {
  const { fleet, runner } = o
  const server = new McpServer({ name: 'mcp-server', title: 'MCP Server hub', version: o.version }, {
    capabilities: { tools: {}, resources: { subscribe: o.era === 'modern' }, prompts: {} },
    instructions: INSTRUCTIONS,
  })
  const callerOf = (ctx: ServerContext): ToolCaller => {
    const meta = (ctx.mcpReq as { _meta?: Record<string, unknown> })._meta
    const onBehalfOf = meta?.[ON_BEHALF_OF_META]
    if (typeof onBehalfOf !== 'string' || onBehalfOf.length === 0 || onBehalfOf.length > 200) return o.caller
    return { ...o.caller, actor: { ...o.caller.actor, onBehalfOf } }
  }

  for (const tool of TOOLS) {
    if (o.onlyTool !== undefined && tool.name !== o.onlyTool) continue
    const schemas = TOOL_SCHEMAS.get(tool.name)!
    server.registerTool(tool.name, {
      title: tool.title,
      description: tool.description + ` Needs the scope '${tool.scope}'.`,
      inputSchema: schemas.input,
      outputSchema: schemas.output,
      annotations: { title: tool.title, ...tool.annotations },
    }, (async (args: unknown, ctx: ServerContext) => await runner.call(tool.name, args, callerOf(ctx))) as never)
  }

  if (o.onlyTool !== undefined) return server

  server.registerResource('fleet', RESOURCE_URIS.fleet, {
    title: 'The fleet',
    description: 'Every service with its state; counts of healthy, degraded and down.',
    mimeType: 'application/json',
  }, async (uri) => { needRead(o.caller); return asJson(uri.href, await readFleet(fleet)) })

  server.registerResource('service', new ResourceTemplate(RESOURCE_URIS.service, {
    list: async () => { needRead(o.caller); return { resources: listServices(fleet) } },
    complete: { name: (value) => fleet.health.checkServices().services.map((s) => s.name).filter((n) => n.startsWith(value)).slice(0, 100) },
  }), {
    title: 'A service',
    description: 'One service: state, probe, uptime windows and open incident.',
    mimeType: 'application/json',
  }, async (uri, variables) => {
    needRead(o.caller)
    const name = decodeURIComponent(String(variables.name))
    try {
      return asJson(uri.href, await readService(fleet, name))
    } catch (err) {
      if (isDomainError(err, 'not_found')) throw new ResourceNotFoundError(uri.href, `no service named ${name}`)
      throw err
    }
  })

  server.registerResource('active-alerts', RESOURCE_URIS.alerts, {
    title: 'Active alerts',
    description: 'Alerts firing or acknowledged now.',
    mimeType: 'application/json',
  }, async (uri) => { needRead(o.caller); return asJson(uri.href, await readAlerts(fleet)) })

  server.registerResource('context', RESOURCE_URIS.context, {
    title: 'The context registry',
    description: 'Models, agents and tasks (the latest 50 of each).',
    mimeType: 'application/json',
  }, async (uri) => { needRead(o.caller); return asJson(uri.href, await readContext(fleet)) })

  const promptText = (text: string) => ({ messages: [{ role: 'user' as const, content: { type: 'text' as const, text } }] })
  server.registerPrompt('triage_incident', {
    title: 'Triage an incident',
    description: "Gathers a service's state, recent checks, incidents, alerts and events into one prompt for triage.",
    argsSchema: TriageArgs,
  }, (async (args: { service: string }) => {
    needRead(o.caller)
    try {
      return { description: `Triage of ${args.service}`, ...promptText(await triageIncident(fleet, args.service)) }
    } catch (err) {
      if (isDomainError(err)) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `argument service: ${err.message}`)
      throw err
    }
  }) as never)
  server.registerPrompt('fleet_report', {
    title: 'Fleet report',
    description: 'A summary of the fleet over a window (24h, 7d or 30d): availability, the least available services, alerts.',
    argsSchema: ReportArgs,
  }, (async (args: { window: FleetWindow }) => {
    needRead(o.caller)
    return { description: `Fleet report over ${args.window}`, ...promptText(await fleetReport(fleet, args.window)) }
  }) as never)

  return server
}
