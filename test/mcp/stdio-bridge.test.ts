// `mcp-server mcp` really runs as a child process (from the sources), driven by the SDK's stdio client,
// and bridges to the hub's own /mcp endpoint, listening on 127.0.0.1 with an agent token minted for it.
import t from 'tap'
import { spawn, execFile } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import { once } from 'node:events'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/client'
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio'
import type { Config } from '../../src/config.js'
import { TS_LOADER, loaderEnv, START_TIMEOUT_MS, PROCESS_TEST_TIMEOUT_MS } from '../server-process.js'
import { startHub, admin, agentToken } from '../fixtures/mcp.js'
import { startStandInHub } from '../fixtures/mcp-stand-in-hub.js'
import { waitFor } from '../fixtures/wait.js'
import { startBridge } from '../../src/mcp-bridge.js'

// every bridge started here transpiles the sources first
t.setTimeout(PROCESS_TEST_TIMEOUT_MS)

type Tap = import('tap').Test
type Negotiation = ConstructorParameters<typeof Client>[1]

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url))
const AGENT = 'claude-desktop'
const childEnv = () => ({ ...getDefaultEnvironment(), ...loaderEnv() })

/** The hub on 127.0.0.1:0 with one service, and an agent holding a read token. */
async function startHubWithAgent (t: Tap, overrides: Partial<Config> = {}) {
  const hub = await startHub(t, overrides)
  t.equal((await admin(hub.base, 'POST', '/services', { name: 'auth', url: 'http://127.0.0.1:9/health' })).status, 201)
  const { token, info } = await agentToken(hub.base, AGENT, ['read'])
  /** the audit entries of the tools/calls of `tool`, newest first */
  const toolCalls = async (tool: string) => (await admin(hub.base, 'GET', `/audit?targetType=tool&targetId=${tool}`)).body.entries
  const setAgentStatus = async (status: string) => (await admin(hub.base, 'PATCH', `/context/agents/${AGENT}`, { status })).status
  return { url: hub.mcpUrl.href, token, tokenId: info.id, toolCalls, setAgentStatus }
}

/** The SDK's stdio client on the bridge; the bridge's stderr is collected. */
async function connectThroughBridge (t: Tap, args: string[], options: Negotiation = {}) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [...TS_LOADER, CLI, 'mcp', ...args], env: childEnv(), stderr: 'pipe' })
  let stderr = ''
  transport.stderr!.on('data', (d) => { stderr += d })
  const client = new Client({ name: 'bridge-test', version: '1.0.0' }, options)
  t.teardown(() => client.close())
  const connected = client.connect(transport, { timeout: START_TIMEOUT_MS })
  return { client, connected, stderr: () => stderr }
}

const checkServices = (client: Client) => client.callTool({ name: 'check_services', arguments: {} })

t.test('a 2025-11-25 client (plain initialize) calls check_services through the bridge', async (t) => {
  const hub = await startHubWithAgent(t)
  // an --header naming Authorization does not displace the token (joined, the hub would refuse both)
  const { client, connected, stderr } = await connectThroughBridge(t, ['--url', hub.url, '--token', hub.token, '--on-behalf-of', 'alice', '--header', 'authorization: Basic c3RvbGVu'])
  await connected
  t.equal(client.getProtocolEra(), 'legacy')
  t.equal(client.getNegotiatedProtocolVersion(), '2025-11-25')
  t.equal(client.getServerVersion()?.name, 'mcp-server')
  t.ok((await client.listTools()).tools.some((tool) => tool.name === 'check_services'))

  const result = await checkServices(client)
  t.match(result.structuredContent, { total: 1, services: [{ name: 'auth' }] })
  // the hub's trail: the agent, the person it acted for, and the version header the bridge sent after initialize
  const [entry] = await hub.toolCalls('check_services')
  t.match(entry, { actor: { type: 'agent', id: AGENT, onBehalfOf: 'alice' }, outcome: 'success', metadata: { tokenId: hub.tokenId, protocolVersion: '2025-11-25' } })

  // the hub refusing a call (the agent paused: 403): the pending request gets a JSON-RPC error, stderr the status
  t.equal(await hub.setAgentStatus('paused'), 200)
  await t.rejects(checkServices(client), /hub answered HTTP 403 Forbidden: .*agent claude-desktop is paused/)
  await waitFor(() => stderr().includes('hub answered HTTP 403'), { message: () => `HTTP 403 on stderr: ${stderr()}` })
  t.equal(await hub.setAgentStatus('active'), 200)
  t.match((await checkServices(client)).structuredContent, { total: 1 }, 'the bridge survives a refusal')
})

t.test('a 2026-07-28 client (server/discover, per-request envelope) calls check_services through the bridge', async (t) => {
  const hub = await startHubWithAgent(t)
  const { client, connected } = await connectThroughBridge(t, ['--url', hub.url, '--token', hub.token, '--on-behalf-of', 'bob'], { versionNegotiation: { mode: { pin: '2026-07-28' } } })
  await connected
  t.equal(client.getProtocolEra(), 'modern')
  t.equal(client.getNegotiatedProtocolVersion(), '2026-07-28')
  t.equal(client.getServerVersion()?.name, 'mcp-server')

  t.match((await checkServices(client)).structuredContent, { total: 1, services: [{ name: 'auth' }] })
  const [entry] = await hub.toolCalls('check_services')
  t.match(entry, { actor: { type: 'agent', id: AGENT, onBehalfOf: 'bob' }, outcome: 'success', metadata: { protocolVersion: '2026-07-28' } })
})

t.test("a client in 'auto' mode negotiates 2026-07-28 through the bridge", async (t) => {
  const hub = await startHubWithAgent(t)
  // on stdio the SDK probes on a sibling process: two bridges start, the probe's is torn down
  const { client, connected } = await connectThroughBridge(t, ['--url', hub.url, '--token', hub.token], { versionNegotiation: { mode: 'auto' } })
  await connected
  t.equal(client.getNegotiatedProtocolVersion(), '2026-07-28')
  t.match((await checkServices(client)).structuredContent, { total: 1 })
})

t.test('a wrong token: the stdio client gets a JSON-RPC error naming HTTP 401, stderr the status', async (t) => {
  const hub = await startHubWithAgent(t)
  const wrong = hub.token.slice(0, -4) + 'AAAA'
  const { connected, stderr } = await connectThroughBridge(t, ['--url', hub.url, '--token', wrong])
  await t.rejects(connected, /hub answered HTTP 401 Unauthorized: .*invalid bearer token/)
  t.match(stderr(), /hub answered HTTP 401 Unauthorized/)
  t.notOk(stderr().includes(wrong), 'the token itself is not logged')
})

t.test('the hub rate-limiting a token (429) reaches the stdio client as an error', async (t) => {
  const hub = await startHubWithAgent(t, { mcpRateLimitMax: 4 })
  const { client, connected, stderr } = await connectThroughBridge(t, ['--url', hub.url, '--token', hub.token])
  await connected
  let refusal: Error | undefined
  for (let i = 0; i < 8 && !refusal; i++) await client.listTools().catch((err: Error) => { refusal = err })
  t.match(refusal?.message, /hub answered HTTP 429 Too Many Requests/)
  t.match(stderr(), /hub answered HTTP 429/)
})

/** The bridge as a plain child process, for what the SDK's client does not expose: stdout and the exit. */
function spawnBridge (args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [...TS_LOADER, CLI, 'mcp', ...args], { env: { ...childEnv(), ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  const lines: string[] = []
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line))
  let stderr = ''
  child.stderr.on('data', (d) => { stderr += d })
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }
  child.stdin.write(JSON.stringify(initialize) + '\n')
  const answered = waitFor(() => lines.length > 0, { timeoutMs: START_TIMEOUT_MS, message: () => `an answer on stdout: ${stderr}` })
  return { child, lines, exited, answered, stderr: () => stderr }
}

t.test('closing stdin ends the bridge with exit 0; stdout carries only JSON-RPC', async (t) => {
  const hub = await startHubWithAgent(t)
  const bridge = spawnBridge(['--url', hub.url, '--token', hub.token])
  t.teardown(() => { bridge.child.kill('SIGKILL') })
  await bridge.answered
  bridge.child.stdin.end()
  const [code, signal] = await bridge.exited
  t.same({ code, signal }, { code: 0, signal: null }, bridge.stderr())
  t.equal(bridge.lines.length, 1)
  t.match(JSON.parse(bridge.lines[0]), { jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-11-25', serverInfo: { name: 'mcp-server' } } })
})

t.test('SIGTERM closes the bridge cleanly (exit 0, not killed by the signal); the token from MCP_TOKEN', async (t) => {
  const hub = await startHubWithAgent(t)
  const bridge = spawnBridge(['--url', hub.url], { MCP_TOKEN: hub.token })
  t.teardown(() => { bridge.child.kill('SIGKILL') })
  await bridge.answered
  t.match(JSON.parse(bridge.lines[0]), { id: 1, result: { serverInfo: { name: 'mcp-server' } } })
  bridge.child.kill('SIGTERM')
  const [code, signal] = await bridge.exited
  t.same({ code, signal }, { code: 0, signal: null }, bridge.stderr())
})

// The hub has no tool that waits to be cancelled, so this runs against the SDK's own handler.
t.test('a 2026-07-28 cancellation ends the request at the server (stand-in /mcp)', async (t) => {
  const token = 'stand-in-token'
  const hub = await startStandInHub(t, token)
  const { client, connected } = await connectThroughBridge(t, ['--url', hub.url, '--token', token], { versionNegotiation: { mode: { pin: '2026-07-28' } } })
  await connected
  const abort = new AbortController()
  const call = client.callTool({ name: 'wait' }, { signal: abort.signal })
  await waitFor(() => hub.waits.started === 1, { timeoutMs: 20_000, message: 'the wait tool to start' })
  abort.abort()
  await t.rejects(call)
  // that revision cancels over HTTP by ending the request's exchange: the handler's signal fires
  await waitFor(() => hub.waits.cancelled === 1, { timeoutMs: 20_000, message: 'the server to see the cancellation' })
  t.pass('the server saw the cancellation')
  const methods = hub.seen.map((h) => h.get('mcp-method'))
  t.notOk(methods.includes('notifications/cancelled'), 'no cancellation POST on that revision')
})

t.test('an unreachable hub: the request gets a JSON-RPC error saying why (in process)', async (t) => {
  // a port that was just free: nothing listens there
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))

  const stdin = new PassThrough()
  const stdout = new PassThrough()
  const logged: string[] = []
  const bridge = startBridge({ url: new URL(`http://127.0.0.1:${port}/mcp`), token: 'any', stdin, stdout, log: (line) => logged.push(line) })
  const lines = createInterface({ input: stdout })[Symbol.asyncIterator]()
  stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }) + '\n')
  const answer = JSON.parse((await lines.next()).value)
  t.match(answer, { jsonrpc: '2.0', id: 7, error: { code: -32603, message: /^hub unreachable: fetch failed \(.*ECONNREFUSED/ } })
  t.notOk('data' in answer.error, 'no HTTP status to report')
  t.match(logged, [/hub unreachable/])
  stdin.end()
  await bridge.closed
  t.pass('stdin ending closes the bridge')
})

function runCli (args: string[], env: Record<string, string>): Promise<{ code: number, stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...TS_LOADER, CLI, ...args], { env, timeout: START_TIMEOUT_MS }, (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr })
    })
  })
}

t.test('usage errors exit 2', async (t) => {
  const noUrl = await runCli(['mcp', '--token', 'any'], childEnv())
  t.equal(noUrl.code, 2)
  t.match(noUrl.stderr, /mcp needs --url[\s\S]*usage: mcp-server audit verify[\s\S]*mcp-server mcp --url/)
  const noToken = await runCli(['mcp', '--url', 'http://127.0.0.1:1/mcp'], childEnv())
  t.equal(noToken.code, 2)
  t.match(noToken.stderr, /mcp needs --token or MCP_TOKEN/)
})
