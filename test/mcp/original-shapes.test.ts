// The MCP tools that write events and audit entries take the shapes POST /events and POST /audit take
// from clients of the original design: any JSON payload, severity aliases, epoch-millisecond times,
// no outcome (unknown), a producer timestamp.
import t from 'tap'
import { admin, agentToken, bearer, connect, errorText, startHub, structured } from '../fixtures/mcp.js'

t.test('record_event and record_audit accept the original shapes; bad ones are refused and store nothing', async (t) => {
  const { base, mcpUrl } = await startHub(t, { healthScheduler: false })
  const { token } = await agentToken(base, 'ops-bot', ['events:write', 'audit:write', 'read'])
  const client = await connect(t, mcpUrl, bearer(token))
  const call = async (name: string, args: Record<string, unknown>) => structured(await client.callTool({ name, arguments: args }))

  const recorded = await call('record_event', { type: 'error', payload: ['Connection failed', 3], severity: 'critical', time: 1234567890 })
  const stored = (await admin(base, 'GET', `/events/${recorded.id}`)).body
  t.match(stored, { type: 'error', payload: ['Connection failed', 3], severity: 'FATAL', time: '1970-01-15T06:56:07.890Z' })
  const scalar = await call('record_event', { type: 'note', payload: 'plain text', severity: 'warning' })
  t.match((await admin(base, 'GET', `/events/${scalar.id}`)).body, { payload: 'plain text', severity: 'WARN' })

  const written = await call('record_audit', { action: 'user_delete', timestamp: 1234567890 })
  const entry = (await admin(base, 'GET', `/audit/${written.id}`)).body
  t.match(entry, { action: 'user_delete', outcome: 'unknown', actor: { type: 'agent', id: 'ops-bot' }, metadata: { producerTime: '1970-01-15T06:56:07.890Z' } })

  t.match(errorText(await client.callTool({ name: 'record_event', arguments: { type: 'x', time: 'yesterday' } })), /time must be an RFC 3339 date-time/)
  t.match(errorText(await client.callTool({ name: 'record_event', arguments: { type: 'x', severity: 'loud' } })), /severity must be one of/)
  t.match(errorText(await client.callTool({ name: 'record_audit', arguments: { action: 'x', timestamp: -1 } })), /timestamp is out of range/)
  t.equal((await admin(base, 'GET', '/events?type=x')).body.events.length, 0, 'nothing stored')
  t.equal((await admin(base, 'GET', '/audit?action=x&actorType=agent')).body.entries.length, 0, 'nothing stored')
})
