// Stateless serving: the hub keeps nothing of a client between requests, so a client connected to one
// instance carries on against another. Here the instance is replaced under the client (same data, same
// address); the client, never reconnected, keeps calling tools in both revisions.
import t from 'tap'
import type { AddressInfo } from 'node:net'
import { REVISIONS, agentToken, bearer, connect, startHub, structured } from '../fixtures/mcp.js'
import { build } from '../helper.js'

for (const revision of REVISIONS) {
  t.test(`a ${revision} client carries on when another instance answers the next request`, async (t) => {
    const first = await startHub(t)
    const { token } = await agentToken(first.base, 'roamer', ['read', 'events:write'])
    const client = await connect(t, first.mcpUrl, bearer(token), revision)
    t.equal(structured(await client.callTool({ name: 'record_event', arguments: { type: 'before.switch' } })).duplicate, false)

    const port = (first.app.server.address() as AddressInfo).port
    await first.app.close()
    const second = await build(t, {}, first.dataDir)
    await second.app.listen({ host: '127.0.0.1', port })

    const events = structured(await client.callTool({ name: 'query_events', arguments: { type: 'before.switch' } }))
    t.equal(events.events.length, 1, 'the new instance serves the same client, no new handshake')
    t.equal(structured(await client.callTool({ name: 'record_event', arguments: { type: 'after.switch' } })).duplicate, false)
    const trail = (await second.app.inject({ url: '/audit?action=mcp.tool_call', headers: { authorization: 'Basic ' + Buffer.from('admin:test-password-123').toString('base64') } })).json().entries
    t.equal(trail.length, 3, 'each call audited, on whichever instance served it')
  })
}
