// The real server process at start: the dashboard and docs URLs in its log, the plain warning when no
// channel would deliver alerts, level names, and a quiet log while requests are served (info level).
import t from 'tap'
import { request } from 'undici'
import { startServer, exited, PROCESS_TEST_TIMEOUT_MS } from './server-process.js'
import { tempDir, ADMIN_PASSWORD, adminAuth } from './helper.js'
import { waitFor } from './fixtures/wait.js'

t.setTimeout(PROCESS_TEST_TIMEOUT_MS)

t.test('the start-up log prints the dashboard and docs URLs and says no channel delivers alerts', async (t) => {
  const server = await startServer({ MCP_DATA_DIR: tempDir(t), MCP_ADMIN_PASSWORD: ADMIN_PASSWORD })
  t.teardown(() => { server.child.kill('SIGKILL') })
  const lines = () => server.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l))
  const urls = await waitFor(() => lines().find((l) => l.dashboard), { message: 'the URLs line', timeoutMs: 30_000 })
  t.equal(urls.level, 'info')
  t.equal(urls.dashboard, `${server.url}/`)
  t.equal(urls.docs, `${server.url}/docs`)
  t.match(urls.msg, `dashboard at ${server.url}/`)
  t.match(urls.msg, `API docs (Swagger UI) at ${server.url}/docs`)
  // the printed URLs answer
  const dashboard = await request(urls.dashboard, { headers: { authorization: adminAuth } })
  t.equal(dashboard.statusCode, 200)
  t.match(await dashboard.body.text(), /<html/i)
  const docs = await request(urls.docs, { maxRedirections: 0 } as never)
  t.ok(docs.statusCode === 200 || docs.statusCode === 302, `docs answer (${docs.statusCode})`)
  await docs.body.dump()

  const warning = lines().find((l) => /No notification channel is configured/.test(l.msg))
  t.equal(warning?.level, 'warn', 'the start-up log says plainly that no channel would deliver alerts')

  const before = server.stdout().length
  for (let i = 0; i < 3; i++) { const r = await request(`${server.url}/health`); await r.body.dump() }
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.notMatch(server.stdout().slice(before), /incoming request|request completed/, 'requests are not logged at info')
  t.ok(lines().every((l) => typeof l.level === 'string'), 'level names, not numbers')

  server.child.kill('SIGTERM')
  await exited(server.child)
})
