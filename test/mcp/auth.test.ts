// Who may call /mcp: an agent's token (with the scopes its tools need, its agent active) or the admin.
// Every refusal: no credentials, a wrong, revoked or expired token, a missing scope, an inactive agent;
// each leaves its audit entry. Rate limits apply per token. Arguments are redacted on the trail.
import t from 'tap'
import { admin, agentToken, bearer, connect, errorText, startHub, structured } from '../fixtures/mcp.js'
import { adminHeaders } from '../helper.js'
import { waitFor } from '../fixtures/wait.js'

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
}
const post = (url: URL, headers: Record<string, string>, body: unknown = INIT) => fetch(url, {
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
  body: JSON.stringify(body),
})

t.test('no credentials, a wrong token, a revoked token: 401 with WWW-Authenticate, never a session', async (t) => {
  const { base, mcpUrl } = await startHub(t, { authAuditWindowMs: 2000 })
  const none = await post(mcpUrl, {})
  t.equal(none.status, 401)
  t.match(none.headers.get('www-authenticate'), /^Bearer realm="MCP Server"/)
  t.match(await none.json(), { message: /bearer token/ })

  const wrong = await post(mcpUrl, bearer('mcp_0123456789abcdef_' + 'A'.repeat(43)))
  t.equal(wrong.status, 401)
  t.match(wrong.headers.get('www-authenticate'), /error="invalid_token"/)
  t.equal((await post(mcpUrl, bearer('not-even-a-token'))).status, 401)

  const { token, info } = await agentToken(base, 'bot', ['read'])
  t.equal((await post(mcpUrl, bearer(token))).status, 200, 'the right token')
  t.equal((await post(mcpUrl, bearer(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')))).status, 401, 'one character off')
  t.equal((await admin(base, 'DELETE', `/context/agents/bot/tokens/${info.id}`)).status, 200)
  const revoked = await post(mcpUrl, bearer(token))
  t.equal(revoked.status, 401)
  t.match(await revoked.json(), { message: 'this token is revoked' })

  // the official client gets the refusal at connect
  await t.rejects(connect(t, mcpUrl, {}), 'no token: the client cannot connect')
  await t.rejects(connect(t, mcpUrl, bearer(token)), 'revoked: the client cannot connect')

  // failed logins reach the trail as one entry for the address and window (the challenge without
  // credentials is not one)
  // (a short window: the steps above may span several, so the counts are added up)
  const total = (entries: Array<{ metadata: { count: number } }>) => entries.reduce((n, e) => n + e.metadata.count, 0)
  const failed = await waitFor(async () => {
    const e = (await admin(base, 'GET', '/audit?action=auth.login_failed')).body.entries
    return total(e) >= 5 ? e : undefined
  })
  t.equal(total(failed), 5, 'the wrong, malformed, off-by-one and revoked tokens, and the client with the revoked one')
  t.match(failed[0], { actor: { type: 'system' }, target: { type: 'route', id: '/mcp' }, outcome: 'denied', clientIp: '127.0.0.1' })
  t.ok(failed.every((e: { metadata: { bearer: number, count: number } }) => e.metadata.bearer === e.metadata.count), 'all bearer failures')
})

t.test('the admin\'s Basic auth is accepted and holds every scope', async (t) => {
  const { mcpUrl } = await startHub(t)
  const client = await connect(t, mcpUrl, adminHeaders)
  const r = structured(await client.callTool({ name: 'record_event', arguments: { type: 'admin.did' } }))
  t.equal(r.duplicate, false)
  t.equal((await post(mcpUrl, { authorization: 'Basic ' + Buffer.from('admin:wrong').toString('base64') })).status, 401)
})

t.test('a missing scope fails the tool call naming the scope, and is audited as denied', async (t) => {
  const { base, mcpUrl } = await startHub(t)
  const { token } = await agentToken(base, 'reader', ['read'])
  const client = await connect(t, mcpUrl, bearer(token))
  for (const [tool, args, scope] of [
    ['record_event', { type: 'x' }, 'events:write'],
    ['record_audit', { action: 'a.b', outcome: 'success' }, 'audit:write'],
    ['register_model', { name: 'm' }, 'context:write'],
    ['acknowledge_alert', { alert: 'a1' }, 'alerts:ack'],
    ['set_service_paused', { service: 's', paused: true }, 'services:write'],
  ] as const) {
    t.match(errorText(await client.callTool({ name: tool, arguments: args })), new RegExp(`^${tool} needs the scope '${scope}'.*this token has 'read'$`), tool)
  }
  t.ok(structured(await client.callTool({ name: 'check_services', arguments: {} })), 'what the scope allows works')
  const denied = (await admin(base, 'GET', '/audit?action=mcp.tool_call&outcome=denied')).body.entries
  t.equal(denied.length, 5)
  t.match(denied.find((e: { tool: string }) => e.tool === 'record_event'), { actor: { type: 'agent', id: 'reader' }, reason: /events:write/ })
  t.equal((await admin(base, 'GET', '/events?type=x')).body.events.length, 0, 'nothing written')

  // a token without read cannot read resources either
  const { token: writer } = await agentToken(base, 'writer', ['events:write'])
  const w = await connect(t, mcpUrl, bearer(writer))
  await t.rejects(w.readResource({ uri: 'mcp-server://fleet/services' }), /scope 'read'/)
  t.match(errorText(await w.callTool({ name: 'check_services', arguments: {} })), /needs the scope 'read'/)
})

t.test('an agent that is not active is refused with 403 and the attempt is audited as the agent', async (t) => {
  const { base, mcpUrl } = await startHub(t)
  const { token } = await agentToken(base, 'sleepy', ['read'])
  t.equal((await post(mcpUrl, bearer(token))).status, 200)
  t.equal((await admin(base, 'PATCH', '/context/agents/sleepy', { status: 'paused' })).status, 200)
  const refused = await post(mcpUrl, bearer(token))
  t.equal(refused.status, 403)
  t.match(await refused.json(), { message: /agent sleepy is paused/ })
  const entries = await waitFor(async () => {
    const e = (await admin(base, 'GET', '/audit?action=mcp.access_denied')).body.entries
    return e.length ? e : undefined
  })
  t.match(entries[0], { actor: { type: 'agent', id: 'sleepy' }, outcome: 'denied', reason: 'agent is paused', metadata: { agentStatus: 'paused' } })
  t.equal((await admin(base, 'PATCH', '/context/agents/sleepy', { status: 'active' })).status, 200)
  t.equal((await post(mcpUrl, bearer(token))).status, 200, 'active again: served again')
  t.equal((await admin(base, 'DELETE', '/context/agents/sleepy')).status, 204)
  t.equal((await post(mcpUrl, bearer(token))).status, 401, 'a deleted agent\'s tokens speak for no one')
})

t.test('rate limits apply per token', async (t) => {
  const { base, mcpUrl } = await startHub(t, { mcpRateLimitMax: 3 })
  const { token: a } = await agentToken(base, 'a', ['read'])
  const { token: b } = await agentToken(base, 'b', ['read'])
  for (let i = 0; i < 3; i++) t.equal((await post(mcpUrl, bearer(a))).status, 200)
  const limited = await post(mcpUrl, bearer(a))
  t.equal(limited.status, 429)
  t.ok(Number(limited.headers.get('retry-after')) > 0, 'Retry-After')
  t.equal((await post(mcpUrl, bearer(b))).status, 200, 'another token keeps its own budget')
})

t.test('onBehalfOf from the header or _meta; secrets redacted and arguments bounded on the trail', async (t) => {
  const { base, mcpUrl } = await startHub(t, { mcpArgumentsMaxBytes: 512 })
  const { token } = await agentToken(base, 'helper', ['events:write', 'audit:write'])
  const viaHeader = await connect(t, mcpUrl, { ...bearer(token), 'x-mcp-on-behalf-of': 'ana@example.com' })
  structured(await viaHeader.callTool({ name: 'record_event', arguments: { type: 'login.help', payload: { user: 'ana', password: 'hunter2', nested: { apiKey: 'k-123', note: 'kept' } } } }))
  const viaMeta = await connect(t, mcpUrl, bearer(token))
  structured(await viaMeta.callTool({ name: 'record_event', arguments: { type: 'big', payload: { blob: 'y'.repeat(2000) } }, _meta: { onBehalfOf: 'bo' } }))

  const entries = (await admin(base, 'GET', '/audit?action=mcp.tool_call')).body.entries
  const first = entries.find((e: { metadata: { arguments: { type?: string } } }) => e.metadata.arguments.type === 'login.help')
  t.match(first, { actor: { id: 'helper', onBehalfOf: 'ana@example.com' } })
  t.same(first.metadata.arguments.payload, { user: 'ana', password: '[redacted]', nested: { apiKey: '[redacted]', note: 'kept' } })
  t.notMatch(JSON.stringify(entries), /hunter2|k-123/, 'the secrets are nowhere on the trail')
  const big = entries.find((e: { actor: { onBehalfOf: string } }) => e.actor.onBehalfOf === 'bo')
  t.match(big.metadata.arguments, { truncated: true, bytes: Number })
  t.ok(JSON.stringify(big.metadata.arguments).length < 600, 'bounded')
  t.match((await admin(base, 'GET', '/audit/verify')).body, { ok: true })
})

t.test('a browser page of another origin is refused (DNS rebinding); localhost and MCP_CORS_ORIGINS are served', async (t) => {
  const { base, mcpUrl } = await startHub(t, { corsOrigins: ['https://console.example.com'] })
  const { token } = await agentToken(base, 'web', ['read'])
  const evil = await post(mcpUrl, { ...bearer(token), origin: 'http://evil.example.com', host: 'evil.example.com' })
  t.equal(evil.status, 403)
  t.match(await evil.json(), { error: { message: /evil\.example\.com/ } })
  t.equal((await post(mcpUrl, { ...bearer(token), origin: 'http://localhost:3000' })).status, 200)
  t.equal((await post(mcpUrl, { ...bearer(token), origin: 'https://console.example.com' })).status, 200)
  t.equal((await post(mcpUrl, bearer(token))).status, 200, 'no Origin: not a browser')
})
