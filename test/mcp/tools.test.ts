// /mcp with the official client SDK over real HTTP, in both protocol revisions: discovery, every tool
// listed and called, the resources and the template, both prompts, bad arguments, and the audit entry
// every tools/call leaves (the trail still verifies afterwards).
import t from 'tap'
import { startTargets } from '../fixtures/targets.js'
import { REVISIONS, admin, agentToken, bearer, connect, errorText, startHub, structured } from '../fixtures/mcp.js'
import { SCOPES } from '../../src/domain/mcp/scopes.js'

const TOOL_NAMES = [
  'acknowledge_alert', 'check_services', 'create_task', 'get_context', 'get_metrics', 'get_service', 'list_agents', 'list_alerts',
  'list_incidents', 'list_models', 'query_audit', 'query_events', 'record_audit', 'record_event', 'register_model',
  'service_history', 'set_agent_status', 'set_service_paused', 'update_task', 'verify_audit',
]
const READ_ONLY = new Set(['check_services', 'get_service', 'service_history', 'list_incidents', 'query_events', 'query_audit', 'verify_audit', 'list_alerts', 'get_context', 'list_models', 'list_agents', 'get_metrics'])

for (const revision of REVISIONS) {
  t.test(`a ${revision} client lists and calls every tool, reads the resources and gets the prompts`, async (t) => {
    const targets = await startTargets(t)
    const { base, mcpUrl, app } = await startHub(t, { healthScheduler: false })
    t.equal((await admin(base, 'POST', '/services', { name: 'auth', url: targets.base + '/ok', tags: ['shop'] })).status, 201)
    t.equal((await admin(base, 'POST', '/services', { name: 'cart', url: targets.base + '/toggle', tags: ['shop'], dependsOn: ['auth'], failureThreshold: 1 })).status, 201)
    t.equal((await admin(base, 'POST', '/notifications/channels', { id: 'hook', type: 'webhook', url: targets.base + '/ok' })).status, 201)
    t.equal((await admin(base, 'POST', '/notifications/rules', { id: 'all', channels: ['hook'] })).status, 201)
    targets.toggle.status = 500
    await app.health.refresh()

    const { token } = await agentToken(base, 'ops-bot', [...SCOPES])
    await admin(base, 'POST', '/context/agents', { id: 'helper-bot', name: 'Helper' })
    const client = await connect(t, mcpUrl, bearer(token), revision)
    t.equal(client.getProtocolEra(), revision === '2026-07-28' ? 'modern' : 'legacy', 'the revision asked for')
    t.match(client.getServerVersion(), { name: 'mcp-server' })

    // ── discovery ──
    const { tools } = await client.listTools()
    t.same(tools.map((x) => x.name).sort(), TOOL_NAMES)
    for (const tool of tools) {
      t.equal(tool.inputSchema.type, 'object', `${tool.name}: input schema`)
      t.equal(tool.outputSchema?.type, 'object', `${tool.name}: output schema`)
      t.equal(tool.annotations?.readOnlyHint, READ_ONLY.has(tool.name), `${tool.name}: readOnlyHint`)
      t.type(tool.annotations?.destructiveHint, 'boolean')
      t.type(tool.annotations?.idempotentHint, 'boolean')
      t.match(tool.description, /Needs the scope '/)
    }
    t.equal(tools.find((x) => x.name === 'set_agent_status')!.annotations!.destructiveHint, true, 'retiring an agent cannot be undone')

    const call = async (name: string, args: Record<string, unknown> = {}) => structured(await client.callTool({ name, arguments: args }))

    // ── health ──
    const fleet = await call('check_services')
    t.match(fleet, { healthy: 1, unhealthy: 1, total: 2, nextCursor: null })
    t.same(fleet.services.map((s: { name: string }) => s.name), ['cart', 'auth'], 'the failing service first')
    t.match(fleet.services[0], { state: 'down', lastCheck: { verdict: 'down', httpStatus: 500 } })
    const paged = await call('check_services', { limit: 1 })
    t.same(paged.services.map((s: { name: string }) => s.name), ['cart'])
    t.same((await call('check_services', { limit: 1, cursor: paged.nextCursor })).services.map((s: { name: string }) => s.name), ['auth'], 'the next page')
    t.same((await call('check_services', { state: 'up' })).services.map((s: { name: string }) => s.name), ['auth'])
    const refreshed = await call('check_services', { refresh: true })
    t.not(refreshed.checkedAt, fleet.checkedAt, 'refresh probes again')

    const cart = await call('get_service', { service: 'cart' })
    t.match(cart, { service: { name: 'cart', state: 'down', dependsOn: ['auth'] }, probe: { url: targets.base + '/toggle', kind: 'http' }, currentIncident: { kind: 'down' } })
    t.ok(Object.keys(cart.uptime).length >= 3, 'uptime windows')
    const history = await call('service_history', { service: 'cart', limit: 1 })
    t.equal(history.checks.length, 1)
    t.type(history.nextCursor, 'string', 'more checks to page through')
    t.match((await call('list_incidents', { service: 'cart' })).incidents, [{ service: 'cart', kind: 'down', endedAt: null }])
    t.match(await call('set_service_paused', { service: 'auth', paused: true }), { name: 'auth', enabled: false })
    t.equal((await admin(base, 'GET', '/services/auth')).body.status.enabled, false, 'the change is the hub\'s, as through the API')
    t.match(await call('set_service_paused', { service: 'auth', paused: false }), { enabled: true })

    // ── events ──
    const recorded = await call('record_event', { type: 'deploy.finished', source: 'cart', severity: 'WARN', payload: { version: '1.2.3' }, producerId: 'deploy-7' })
    t.equal(recorded.duplicate, false)
    t.same(await call('record_event', { type: 'deploy.finished', source: 'cart', producerId: 'deploy-7' }), { id: recorded.id, duplicate: true }, 'a retry is stored once')
    const events = await call('query_events', { source: 'cart' })
    t.match(events.events, [{ id: recorded.id, type: 'deploy.finished', severity: 'WARN', payload: { version: '1.2.3' } }])
    await call('record_event', { type: 'big.payload', payload: { blob: 'x'.repeat(5000) } })
    t.match((await call('query_events', { type: 'big.payload' })).events[0], { payloadTrimmed: true }, 'payloads trimmed for the context window')

    // ── audit ──
    const written = await call('record_audit', { action: 'order.refund', outcome: 'success', target: { type: 'order', id: '42' }, onBehalfOf: 'ana' })
    t.type(written.seq, 'number')
    const mine = await call('query_audit', { action: 'order.' })
    t.match(mine.entries, [{ seq: written.seq, action: 'order.refund', actor: { type: 'agent', id: 'ops-bot', name: 'Agent ops-bot', onBehalfOf: 'ana' } }])
    t.match(await call('verify_audit'), { ok: true, firstBrokenSeq: null })

    // ── alerts ──
    const alerts = await call('list_alerts')
    const firing = alerts.alerts.find((a: { service: string }) => a.service === 'cart')
    t.ok(firing, 'cart down fired an alert')
    t.match(await call('acknowledge_alert', { alert: firing.id, comment: 'looking' }), { id: firing.id, acknowledged: { by: 'ops-bot', comment: 'looking' } })
    t.match(errorText(await client.callTool({ name: 'acknowledge_alert', arguments: { alert: 'nope' } })), /no alert with id nope/)

    // ── context ──
    t.match(await call('register_model', { id: 'claude', name: 'Claude', provider: 'anthropic' }), { id: 'claude', status: 'active' })
    t.match((await call('list_models')).models, [{ id: 'claude' }])
    t.match((await call('list_agents', { status: 'active' })).agents.map((a: { id: string }) => a.id), ['helper-bot', 'ops-bot'])
    t.match(await call('set_agent_status', { agent: 'helper-bot', status: 'paused' }), { id: 'helper-bot', status: 'paused', previousStatus: 'active' })
    const task = await call('create_task', { name: 'investigate cart', assignee: 'ops-bot' })
    t.match(task, { name: 'investigate cart', status: 'submitted' })
    t.match(await call('update_task', { task: task.id, status: 'working' }), { status: 'working', previousStatus: 'submitted' })
    t.match(errorText(await client.callTool({ name: 'update_task', arguments: { task: task.id, status: 'submitted' } })), /cannot go from working to submitted/, 'the registry\'s rules hold')
    const context = await call('get_context')
    t.equal(context.tasks.length, 1)
    t.equal(context.models.length, 1)

    // ── metrics ──
    t.ok(Object.keys(await call('get_metrics')).length > 0)

    // ── bad arguments: a tool error naming the argument; nothing written ──
    t.match(errorText(await client.callTool({ name: 'check_services', arguments: { limit: 0 } })), /^argument limit /)
    t.match(errorText(await client.callTool({ name: 'get_service', arguments: {} })), /^argument service is required/)
    t.match(errorText(await client.callTool({ name: 'record_event', arguments: { type: 'x', sevrity: 'INFO' } })), /^argument sevrity is not a known field/)
    t.match(errorText(await client.callTool({ name: 'record_audit', arguments: { action: 'a.b', outcome: 'success', target: { type: 'order' } } })), /^argument target\.id is required/)
    t.match(errorText(await client.callTool({ name: 'check_services', arguments: { cursor: 'forged' } })), /^argument cursor /)
    t.match(errorText(await client.callTool({ name: 'get_service', arguments: { service: 'nope' } })), /no service/)
    t.equal((await call('query_events', { type: 'x' })).events.length, 0, 'the refused record_event stored nothing')
    await t.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }), /no_such_tool/, 'an unknown tool is a protocol error')

    // ── resources ──
    const { resources } = await client.listResources()
    const uris = resources.map((r) => r.uri)
    for (const uri of ['mcp-server://fleet/services', 'mcp-server://alerts/active', 'mcp-server://context', 'mcp-server://services/auth', 'mcp-server://services/cart']) t.ok(uris.includes(uri), uri)
    const { resourceTemplates } = await client.listResourceTemplates()
    t.match(resourceTemplates, [{ uriTemplate: 'mcp-server://services/{name}' }])
    const read = async (uri: string) => JSON.parse((await client.readResource({ uri })).contents[0].text as string)
    t.match(await read('mcp-server://fleet/services'), { total: 2, services: [{ name: 'auth' }, { name: 'cart', state: 'down' }] })
    t.match(await read('mcp-server://services/cart'), { service: { name: 'cart', state: 'down' }, currentIncident: { kind: 'down' } })
    // the built-in services-down alert is active beside cart's
    t.match((await read('mcp-server://alerts/active')).alerts.find((a: { service: string | null }) => a.service === 'cart'), { service: 'cart', status: 'acknowledged' })
    t.match(await read('mcp-server://context'), { models: [{ id: 'claude' }] })
    await t.rejects(client.readResource({ uri: 'mcp-server://services/nope' }), /nope/, 'an unknown service is a protocol error')
    await t.rejects(client.readResource({ uri: 'mcp-server://nothing' }), 'an unknown resource is a protocol error')

    // ── prompts ──
    const { prompts } = await client.listPrompts()
    t.same(prompts.map((p) => p.name).sort(), ['fleet_report', 'triage_incident'])
    const triage = await client.getPrompt({ name: 'triage_incident', arguments: { service: 'cart' } })
    const text = (triage.messages[0].content as { text: string }).text
    t.match(text, /triaging the service "cart"/)
    t.match(text, /"verdict": "down"/, 'recent checks')
    t.match(text, /deploy\.finished/, 'related events')
    t.match(text, /"acknowledged"/, 'its alerts')
    const report = await client.getPrompt({ name: 'fleet_report', arguments: { window: '7d' } })
    t.match((report.messages[0].content as { text: string }).text, /last 7d[\s\S]*"name": "cart"/)
    await t.rejects(client.getPrompt({ name: 'fleet_report', arguments: { window: '1y' } }), /window/, 'a bad prompt argument names it')
    await t.rejects(client.getPrompt({ name: 'triage_incident', arguments: { service: 'nope' } }), /nope/)

    // ── the trail: one entry per tools/call, refused ones too ──
    const trail = (await admin(base, 'GET', '/audit?action=mcp.tool_call&actorId=ops-bot&limit=1000')).body.entries as Array<Record<string, any>>
    const byTool = (tool: string) => trail.filter((e) => e.tool === tool)
    t.equal(byTool('check_services').length, 7, 'every check_services call, the refused ones too')
    const event = byTool('record_event').find((e) => e.metadata.arguments.producerId === 'deploy-7')!
    t.match(event, { actor: { type: 'agent', id: 'ops-bot' }, target: { type: 'tool', id: 'record_event' }, outcome: 'success', submittedBy: 'agent:ops-bot' })
    t.type(event.metadata.durationMs, 'number')
    t.match(event.argumentsHash, /^sha256:[0-9a-f]{64}$/)
    t.equal(event.metadata.protocolVersion, revision)
    t.match(trail.find((e) => e.tool === 'get_service' && e.outcome === 'failure' && /required/.test(e.reason)), { metadata: { isError: true } })
    t.match(trail.find((e) => e.tool === 'no_such_tool'), { outcome: 'failure', reason: 'unknown tool no_such_tool' })
    t.match(trail.find((e) => e.tool === 'acknowledge_alert' && e.outcome === 'failure'), { reason: /no alert/ })
    t.equal(trail.length, (await admin(base, 'GET', '/audit?action=mcp.tool_call&limit=1000')).body.entries.length, 'all of them by this agent')
    t.match((await admin(base, 'GET', '/audit/verify')).body, { ok: true })
  })
}
