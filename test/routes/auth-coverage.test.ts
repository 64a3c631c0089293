// Every route the app registers, walked from Fastify's own route tree: each one answers 401 without
// credentials, except exactly the public ones; and the OpenAPI document says the same.
import t, { type Test } from 'tap'
import { build } from '../helper.js'

type App = Awaited<ReturnType<typeof build>>['app']
interface Route { method: string, url: string }

/** Every method and path Fastify has, read from app.printRoutes() (so no route can be left out). */
function registeredRoutes (app: App): Route[] {
  const routes: Route[] = []
  const stack: string[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([\s│]*)[├└]── (.*) \(([A-Z, ]+)\)$/.exec(line)
    if (!m) continue
    const depth = m[1].length / 4
    stack.length = depth
    const path = (stack[depth - 1] ?? '') + m[2]
    stack[depth] = path
    for (const method of m[3].split(', ')) routes.push({ method, url: path })
  }
  return routes
}

/** a request path for a route path: params and wildcards filled in */
const concrete = (url: string) => url.replace(/:[^/]+/g, 'x').replace(/\*$/, 'x')
const key = (r: Route) => `${r.method} ${r.url}`

const DOCS = /^\/docs(\/|$)/
const PUBLIC_GET = ['/health', '/ready', '/metrics', '/metrics/prometheus', '/audit/public-key']
function isPublic (r: Route, ingestOpen: boolean) {
  if (DOCS.test(r.url)) return r.method === 'GET' || r.method === 'HEAD'
  if (PUBLIC_GET.includes(r.url)) return r.method === 'GET' || r.method === 'HEAD'
  return ingestOpen && r.method === 'POST' && (r.url === '/events' || r.url === '/events/alertmanager' || r.url === '/v1/logs')
}

async function check (t: Test, app: App, ingestOpen: boolean) {
  const routes = registeredRoutes(app)
  t.ok(routes.length > 100, `${routes.length} routes found`)
  for (const expected of ['GET /health', 'POST /events', 'GET /docs/json', 'PUT /services/:name', 'POST /import', 'GET /index.html', 'GET /vendor/uplot/uPlot.esm.js']) {
    t.ok(routes.some((r) => key(r) === expected), `${expected} is among them`)
  }
  const open: string[] = []
  for (const r of routes) {
    const res = await app.inject({ method: r.method as 'GET', url: concrete(r.url), ...(r.method === 'GET' || r.method === 'HEAD' ? {} : { payload: {} }) })
    if (res.statusCode !== 401) open.push(key(r))
    else if (r.method !== 'HEAD') t.match(res.json(), { statusCode: 401, error: 'Unauthorized' }, key(r))
  }
  t.same(open.sort(), routes.filter((r) => isPublic(r, ingestOpen)).map(key).sort(), 'exactly the public routes answer without credentials')
  t.ok(open.includes('GET /docs/json') && open.includes('GET /health') && open.includes('GET /metrics/prometheus'))

  // the document states what is enforced
  const doc = (await app.inject({ url: '/docs/json' })).json() as { paths: Record<string, Record<string, { security?: Array<Record<string, unknown>> }>> }
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const route = { method: method.toUpperCase(), url: path.replace(/\{([^}]+)\}/g, ':$1') }
      if (isPublic(route, ingestOpen)) t.ok(op.security === undefined || op.security.length === 0, `${key(route)} documents no credentials`)
      else t.ok(op.security?.length, `${key(route)} documents its credentials`)
    }
  }
  return doc
}

t.test('without ingest tokens: every route but the public ones refuses an anonymous request', async (t) => {
  const { app } = await build(t, { loginFailureMax: 100_000, rateLimitMax: 100_000 })
  const doc = await check(t, app, true)
  t.same(doc.paths['/events'].post.security, [], 'open ingest documents no credentials')
  t.same(doc.paths['/audit'].get.security, [{ basicAuth: [] }])
  t.same(doc.paths['/services/{name}'].put.security, [{ basicAuth: [] }])
})

t.test('with ingest tokens: POST /events wants one too', async (t) => {
  const { app } = await build(t, { loginFailureMax: 100_000, rateLimitMax: 100_000, ingestTokens: ['a-token-that-is-long-enough'] })
  const doc = await check(t, app, false)
  t.same(doc.paths['/events'].post.security, [{ bearerAuth: [] }])
  t.same(doc.paths['/audit'].get.security, [{ basicAuth: [] }, { bearerAuth: [] }], 'an admin or a token')
  t.same(doc.paths['/audit/verify'].get.security, [{ basicAuth: [] }])
  const ok = await app.inject({ method: 'POST', url: '/events', headers: { authorization: 'Bearer a-token-that-is-long-enough' }, payload: { type: 'x' } })
  t.equal(ok.statusCode, 201)
})
