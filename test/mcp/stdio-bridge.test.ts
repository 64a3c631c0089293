// `mcp-server mcp` really runs as a child process (from the sources), driven by the SDK's stdio client,
// and bridges to a real MCP endpoint over HTTP.
import t from 'tap'
import { spawn, execFile } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import { once } from 'node:events'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/client'
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio'
import { TS_LOADER, loaderEnv, START_TIMEOUT_MS, PROCESS_TEST_TIMEOUT_MS } from '../server-process.js'
import { startStandInHub } from '../fixtures/mcp-stand-in-hub.js'
import { startBridge } from '../../src/mcp-bridge.js'
import { waitFor } from '../fixtures/wait.js'

// every bridge started here transpiles the sources first
t.setTimeout(PROCESS_TEST_TIMEOUT_MS)

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url))
const TOKEN = 'agent-token-1'
const childEnv = () => ({ ...getDefaultEnvironment(), ...loaderEnv() })

type Tap = import('tap').Test
type Negotiation = ConstructorParameters<typeof Client>[1]

/** The SDK's stdio client on the bridge; the bridge's stderr is collected. */
async function connectThroughBridge (t: Tap, args: string[], options: Negotiation = {}) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [...TS_LOADER, CLI, 'mcp', ...args], env: childEnv(), stderr: 'pipe' })
  let stderr = ''
  transport.stderr!.on('data', (d) => { stderr += d })
  const client = new Client({ name: 'bridge-test', version: '1.0.0' }, options)
  t.teardown(() => client.close())
  await client.connect(transport, { timeout: START_TIMEOUT_MS })
  return { client, stderr: () => stderr }
}

const textOf = (result: Awaited<ReturnType<Client['callTool']>>) => (result.content as Array<{ text: string }>)[0].text

t.test('a 2025-11-25 client (plain initialize) lists and calls tools through the bridge', async (t) => {
  const hub = await startStandInHub(t, TOKEN)
  const { client, stderr } = await connectThroughBridge(t, ['--url', hub.url, '--token', TOKEN, '--on-behalf-of', 'alice', '--header', 'X-Trace: bridge-test', '--header', 'authorization: Basic c3RvbGVu'])
  t.equal(client.getProtocolEra(), 'legacy')
  t.equal(client.getNegotiatedProtocolVersion(), '2025-11-25')
  t.equal(client.getServerVersion()?.name, 'stand-in-hub')

  t.same((await client.listTools()).tools.map((tool) => tool.name).sort(), ['echo', 'wait', 'whoami'])
  t.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'hi' } })), 'echo: hi')
  t.equal(textOf(await client.callTool({ name: 'whoami' })), 'alice')

  const last = hub.seen.at(-1)!
  t.equal(last.get('authorization'), `Bearer ${TOKEN}`)
  t.equal(last.get('x-trace'), 'bridge-test')
  // the version the initialize result named, on every later POST, as the SDK's own client sends it
  t.equal(last.get('mcp-protocol-version'), '2025-11-25')

  // the hub refusing a call: the pending request gets a JSON-RPC error, stderr the status
  for (const status of [429, 403]) {
    hub.failWith = status
    await t.rejects(client.callTool({ name: 'echo', arguments: { text: 'refused' } }), new RegExp(`HTTP ${status}`))
    await waitFor(() => stderr().includes(`hub answered HTTP ${status}`), { message: `HTTP ${status} on stderr: ${stderr()}` })
  }
  hub.failWith = undefined
  t.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'again' } })), 'echo: again', 'the bridge survives a refusal')
})

t.test('a 2026-07-28 client (server/discover, per-request envelope) through the bridge', async (t) => {
  const hub = await startStandInHub(t, TOKEN)
  const { client } = await connectThroughBridge(t, ['--url', hub.url, '--token', TOKEN, '--on-behalf-of', 'bob'], { versionNegotiation: { mode: { pin: '2026-07-28' } } })
  t.equal(client.getProtocolEra(), 'modern')
  t.equal(client.getNegotiatedProtocolVersion(), '2026-07-28')
  t.equal(client.getServerVersion()?.name, 'stand-in-hub')

  t.same((await client.listTools()).tools.map((tool) => tool.name).sort(), ['echo', 'wait', 'whoami'])
  t.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'modern' } })), 'echo: modern')
  t.equal(textOf(await client.callTool({ name: 'whoami' })), 'bob')

  const methods = hub.seen.map((h) => h.get('mcp-method'))
  t.ok(methods.includes('server/discover'), 'opened with server/discover')
  t.ok(methods.includes('tools/call'), 'the 2026 routing headers derived from each request')
  t.ok(hub.seen.every((h) => h.get('mcp-protocol-version') === '2026-07-28'), 'never a 2025 exchange')

  // 2026 cancellation over HTTP is the end of the request's exchange: the hub's handler sees its abort
  const abort = new AbortController()
  const call = client.callTool({ name: 'wait' }, { signal: abort.signal })
  await waitFor(() => hub.waits.started === 1, { timeoutMs: 20_000, message: 'the wait tool to start' })
  abort.abort()
  await t.rejects(call)
  await waitFor(() => hub.waits.cancelled === 1, { timeoutMs: 20_000, message: 'the hub to see the cancellation' })
  t.pass('the hub saw the cancellation')
})

t.test("a client in 'auto' mode negotiates 2026-07-28 through the bridge", async (t) => {
  const hub = await startStandInHub(t, TOKEN)
  // on stdio the SDK probes on a sibling process: two bridges start, the probe one is torn down
  const { client } = await connectThroughBridge(t, ['--url', hub.url, '--token', TOKEN], { versionNegotiation: { mode: 'auto' } })
  t.equal(client.getNegotiatedProtocolVersion(), '2026-07-28')
  t.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'auto' } })), 'echo: auto')
})

t.test('a wrong token: the stdio client gets a JSON-RPC error naming HTTP 401, stderr the status', async (t) => {
  const hub = await startStandInHub(t, TOKEN)
  const transport = new StdioClientTransport({ command: process.execPath, args: [...TS_LOADER, CLI, 'mcp', '--url', hub.url, '--token', 'not-the-agent-token'], env: childEnv(), stderr: 'pipe' })
  let stderr = ''
  transport.stderr!.on('data', (d) => { stderr += d })
  const client = new Client({ name: 'bridge-test', version: '1.0.0' })
  t.teardown(() => client.close())
  await t.rejects(client.connect(transport, { timeout: START_TIMEOUT_MS }), /hub answered HTTP 401/)
  t.match(stderr, /hub answered HTTP 401 Unauthorized/)
  t.notMatch(stderr, /not-the-agent-token/, 'the token itself is not logged')
  t.equal(hub.seen.length, 1, 'nothing was retried')
})

/** The bridge as a plain child process, for what the SDK's client does not expose: stdout and the exit. */
function spawnBridge (args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [...TS_LOADER, CLI, 'mcp', ...args], { env: { ...childEnv(), ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  const lines: string[] = []
  const out = new PassThrough()
  child.stdout.pipe(out)
  createInterface({ input: out }).on('line', (line) => lines.push(line))
  let stderr = ''
  child.stderr.on('data', (d) => { stderr += d })
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }
  child.stdin.write(JSON.stringify(initialize) + '\n')
  const answered = waitFor(() => lines.length > 0, { timeoutMs: START_TIMEOUT_MS, message: () => `an answer on stdout: ${stderr}` })
  return { child, lines, exited, answered, stderr: () => stderr }
}

t.test('closing stdin ends the bridge with exit 0; stdout carries only JSON-RPC', async (t) => {
  const hub = await startStandInHub(t, TOKEN)
  const bridge = spawnBridge(['--url', hub.url, '--token', TOKEN])
  t.teardown(() => { bridge.child.kill('SIGKILL') })
  await bridge.answered
  bridge.child.stdin.end()
  const [code, signal] = await bridge.exited
  t.same({ code, signal }, { code: 0, signal: null }, bridge.stderr())
  t.equal(bridge.lines.length, 1)
  t.match(JSON.parse(bridge.lines[0]), { jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-11-25', serverInfo: { name: 'stand-in-hub' } } })
})

t.test('SIGTERM closes the bridge cleanly (exit 0, not killed by the signal); the token from MCP_TOKEN', async (t) => {
  const hub = await startStandInHub(t, TOKEN)
  const bridge = spawnBridge(['--url', hub.url], { MCP_TOKEN: TOKEN })
  t.teardown(() => { bridge.child.kill('SIGKILL') })
  await bridge.answered
  t.match(JSON.parse(bridge.lines[0]), { id: 1, result: { serverInfo: { name: 'stand-in-hub' } } })
  bridge.child.kill('SIGTERM')
  const [code, signal] = await bridge.exited
  t.same({ code, signal }, { code: 0, signal: null }, bridge.stderr())
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
  const bridge = startBridge({ url: new URL(`http://127.0.0.1:${port}/mcp`), token: TOKEN, stdin, stdout, log: (line) => logged.push(line) })
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
  const noUrl = await runCli(['mcp', '--token', TOKEN], childEnv())
  t.equal(noUrl.code, 2)
  t.match(noUrl.stderr, /mcp needs --url[\s\S]*usage: mcp-server audit verify[\s\S]*mcp-server mcp --url/)
  const noToken = await runCli(['mcp', '--url', 'http://127.0.0.1:1/mcp'], childEnv())
  t.equal(noToken.code, 2)
  t.match(noToken.stderr, /mcp needs --token or MCP_TOKEN/)
})
