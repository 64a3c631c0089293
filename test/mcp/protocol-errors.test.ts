// Hostile and malformed input on /mcp: every answer is a 4xx or a JSON-RPC error, never a 5xx, and a
// tools/call the protocol layer refuses before any tool runs is still on the audit trail.
import t from 'tap'
import { admin, startHub } from '../fixtures/mcp.js'
import { adminHeaders } from '../helper.js'

const headers = { ...adminHeaders, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' }
const call = (params: unknown) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params })

t.test('malformed messages get JSON-RPC errors or 4xx, never a 5xx', async (t) => {
  const { base, mcpUrl } = await startHub(t, { bodyLimit: 64 * 1024 })
  const cases: Array<[string, Record<string, string>, number | 'rpc-error']> = [
    ['{', headers, 400],
    ['[]', headers, 400],
    ['"x"', headers, 400],
    ['null', headers, 400],
    [call('x'), headers, 400],
    ['{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}', headers, 400],
    [call({ name: 5 }), headers, 'rpc-error'],
    [call({ name: 'check_services', arguments: 'x' }), headers, 'rpc-error'],
    [call({ name: 'check_services', arguments: [1] }), headers, 'rpc-error'],
    ['{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":5}}', headers, 'rpc-error'],
    ['{"jsonrpc":"2.0","id":1,"method":"no/such/method"}', headers, 'rpc-error'],
    ['{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"triage_incident"}}', headers, 'rpc-error'],
    ['x'.repeat(100 * 1024), headers, 413],
    ['{}', { ...headers, 'content-type': 'text/plain' }, 415],
    ['{"jsonrpc":"2.0","id":1,"method":"ping"}', { ...headers, 'mcp-protocol-version': '1999-01-01' }, 400],
    ['{"jsonrpc":"2.0","id":1,"method":"ping"}', { ...headers, accept: 'text/html' }, 406],
  ]
  for (const [body, h, want] of cases) {
    const res = await fetch(mcpUrl, { method: 'POST', headers: h, body })
    const text = await res.text()
    const label = `${body.slice(0, 50)} (${h['content-type']}, ${h.accept})`
    if (want === 'rpc-error') {
      t.equal(res.status, 200, label)
      t.match(text, /"error":\{"code":-32\d{3}/, `${label}: a JSON-RPC error`)
    } else {
      t.equal(res.status, want, label)
    }
  }
  for (const method of ['GET', 'DELETE']) {
    const res = await fetch(mcpUrl, { method, headers: { ...adminHeaders, accept: 'text/event-stream', 'mcp-protocol-version': '2025-11-25' } })
    t.equal(res.status, 405, `${method}: no sessions to stream or end`)
    await res.body?.cancel()
  }

  const refused = (await admin(base, 'GET', '/audit?action=mcp.tool_call')).body.entries
  t.equal(refused.length, 4, 'the four malformed tools/call, on the trail')
  for (const e of refused) t.match(e, { outcome: 'failure', reason: /^malformed tools\/call/, actor: { type: 'user', id: 'admin' } })
  t.same(refused.map((e: { tool: string }) => e.tool).sort(), ['(none)', '(none)', 'check_services', 'check_services'])
})

t.test('an unknown tool with a huge name is audited with the name bounded', async (t) => {
  const { base, mcpUrl } = await startHub(t)
  const res = await fetch(mcpUrl, { method: 'POST', headers, body: call({ name: 'n'.repeat(100_000), arguments: {} }) })
  t.match(await res.text(), /"error":\{"code":-32602/)
  const [entry] = (await admin(base, 'GET', '/audit?action=mcp.tool_call')).body.entries
  t.equal(entry.target.id.length, 201, 'the first 200 characters and an ellipsis')
  t.ok(entry.reason.length <= 2001)
})
