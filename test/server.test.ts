import t from 'tap'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { request, Agent } from 'undici'
import { startServer, failingStart, exited, PROCESS_TEST_TIMEOUT_MS } from './server-process.js'
import { tempDir, ADMIN_PASSWORD } from './helper.js'
import { waitFor } from './fixtures/wait.js'

// every server started here transpiles the sources first
t.setTimeout(PROCESS_TEST_TIMEOUT_MS)

t.test('a bad configuration stops the start with a message naming the variable', async (t) => {
  const dataDir = tempDir(t)
  for (const [env, re] of [
    [{ MCP_PORT: 'eighty' }, /MCP_PORT must be an integer/],
    [{ MCP_DURABILITY: 'maybe' }, /MCP_DURABILITY: must be one of full, normal/],
    [{ MCP_CONFIG: join(dataDir, 'missing.yaml') }, /MCP_CONFIG: cannot read/],
  ] as Array<[Record<string, string>, RegExp]>) {
    const { code, stderr } = await failingStart({ MCP_DATA_DIR: dataDir, ...env })
    t.equal(code, 78, JSON.stringify(env))
    t.match(stderr, /invalid configuration/)
    t.match(stderr, re)
  }
})

t.test('SIGTERM flushes and closes: events acknowledged before it are kept', async (t) => {
  const dataDir = tempDir(t)
  const env = { MCP_DATA_DIR: dataDir, MCP_ADMIN_PASSWORD: ADMIN_PASSWORD }
  const first = await startServer(env)
  t.teardown(() => { first.child.kill('SIGKILL') })
  const res = await request(`${first.url}/events`, { method: 'POST', body: JSON.stringify({ type: 'before.stop' }), headers: { 'content-type': 'application/json' } })
  t.equal(res.statusCode, 201)
  const { id } = await res.body.json() as { id: string }
  first.child.kill('SIGTERM')
  await exited(first.child)
  t.equal(first.child.exitCode, 0, 'exits cleanly')
  const second = await startServer(env)
  t.teardown(() => { second.child.kill('SIGKILL') })
  const got = await request(`${second.url}/events/${id}`, { headers: { authorization: 'Basic ' + Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64') } })
  t.equal(got.statusCode, 200)
  await got.body.dump()
  second.child.kill('SIGTERM')
  await exited(second.child)
})

t.test('HTTPS when MCP_TLS_CERT and MCP_TLS_KEY name PEM files', async (t) => {
  const dir = tempDir(t)
  const key = join(dir, 'key.pem')
  const cert = join(dir, 'cert.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' })
  const server = await startServer({ MCP_DATA_DIR: dir, MCP_ADMIN_PASSWORD: ADMIN_PASSWORD, MCP_TLS_CERT: cert, MCP_TLS_KEY: key })
  t.teardown(() => { server.child.kill('SIGKILL') })
  t.match(server.url, /^https:/)
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false } })
  t.teardown(() => dispatcher.close())
  const res = await request(`${server.url}/health`, { dispatcher })
  t.equal(res.statusCode, 200)
  t.match(await res.body.json(), { status: 'ok' })
  server.child.kill('SIGTERM')
  await exited(server.child)
})

t.test('SIGHUP reloads the services of the config file', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'mcp.yaml')
  const svc = (name: string) => `  - name: ${name}\n    url: http://127.0.0.1:9/health\n    interval: 60000\n    timeout: 1000\n`
  writeFileSync(file, 'services:\n' + svc('auth'))
  const server = await startServer({ MCP_DATA_DIR: dir, MCP_ADMIN_PASSWORD: ADMIN_PASSWORD, MCP_CONFIG: file, MCP_HEALTH_SCHEDULER: 'false' })
  t.teardown(() => { server.child.kill('SIGKILL') })
  const names = async () => {
    const res = await request(`${server.url}/services`, { headers: { authorization: 'Basic ' + Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64') } })
    return ((await res.body.json()) as Array<{ name: string }>).map((s) => s.name).sort()
  }
  t.same(await names(), ['auth'])
  writeFileSync(file, 'services:\n' + svc('auth') + svc('order'))
  server.child.kill('SIGHUP')
  let now: string[] = []
  await waitFor(async () => (now = await names()).length >= 2, { timeoutMs: 10_000, intervalMs: 100, message: () => `the reloaded services (have ${JSON.stringify(now)})` })
  t.same(now, ['auth', 'order'], 'the new service is there without a restart')
  server.child.kill('SIGTERM')
  await exited(server.child)
})
