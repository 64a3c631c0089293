// What a health endpoint reports of itself in a JSON body's `status`, through the real prober against
// real HTTP servers on 127.0.0.1: degraded and failed statuses are read, whatever the case; other
// values, other content types, and bodies that are not JSON say nothing; the status code still rules.
import t from 'tap'
import { createServer } from 'node:http'
import { createProber, reportedHealth } from '../../../src/domain/health/adapters/prober.js'
import { createTargetGuard } from '../../../src/domain/shared/target-guard.js'

t.test('reportedHealth reads the conventions, nothing else', async (t) => {
  for (const s of ['DEGRADED', 'degraded', 'warn', 'WARNING']) t.same(reportedHealth(JSON.stringify({ status: s })), { verdict: 'degraded', status: s })
  for (const s of ['DOWN', 'fail', 'Failed', 'unhealthy', 'OUT_OF_SERVICE', 'error', 'critical']) t.same(reportedHealth(JSON.stringify({ status: s })), { verdict: 'down', status: s })
  for (const text of ['{"status":"UP"}', '{"status":"pass"}', '{"status":"ok"}', '{"status":"healthy"}', '{"status":3}', '{"state":"down"}', '["down"]', 'null', 'down', '', `{"status":"${'d'.repeat(100)}"}`]) {
    t.equal(reportedHealth(text), null, `nothing from ${text.slice(0, 30)}`)
  }
})

t.test('the prober: a 200 reporting DEGRADED is degraded, reporting DOWN is down; text and 503 as before', async (t) => {
  const answers: Record<string, { code: number, type: string, body: string }> = {
    '/degraded': { code: 200, type: 'application/json', body: '{"status":"DEGRADED","checks":{"cache":{"status":"DOWN"}}}' },
    '/down': { code: 200, type: 'application/health+json; charset=utf-8', body: '{"status":"fail"}' },
    '/up': { code: 200, type: 'application/json', body: '{"status":"UP"}' },
    '/text': { code: 200, type: 'text/plain', body: '{"status":"DOWN"}' },
    '/broken': { code: 200, type: 'application/json', body: '{"status":' },
    '/unavailable': { code: 503, type: 'application/json', body: '{"status":"DEGRADED"}' },
  }
  const server = createServer((req, res) => { const a = answers[req.url ?? '']; res.writeHead(a.code, { 'content-type': a.type }).end(a.body) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  const prober = createProber({ guard: createTargetGuard(['127.0.0.1']) })
  t.teardown(() => prober.close())
  const target = (path: string) => ({ kind: 'http' as const, url: base + path, method: 'GET', headers: {}, body: null, timeout: 5000, expectedStatus: ['2xx'], bodyContains: null, json: [], followRedirects: false, degradedAfterMs: null, tlsExpiryDays: null })
  t.match(await prober.probe(target('/degraded') as never), { verdict: 'degraded', cause: 'reported', message: 'the service reports status "DEGRADED"', httpStatus: 200 })
  t.match(await prober.probe(target('/down') as never), { verdict: 'down', errorClass: 'condition', message: 'the service reports status "fail"' })
  t.match(await prober.probe(target('/up') as never), { verdict: 'up', message: null })
  t.match(await prober.probe(target('/text') as never), { verdict: 'up' }, 'a text body is not read for a status')
  t.match(await prober.probe(target('/broken') as never), { verdict: 'up' }, 'a body that is not JSON says nothing')
  t.match(await prober.probe(target('/unavailable') as never), { verdict: 'down', errorClass: 'status' }, 'the status code comes first')
})
