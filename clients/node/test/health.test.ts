// The /health handlers served by a real Fastify server and a real node:http server (the (req, res)
// signature Express uses), probed by a real hub: its verdict follows the handler's answer.
import t from 'tap'
import Fastify from 'fastify'
import { createServer, type Server } from 'node:http'
import { createHealth, type HealthReport } from '../src/index.js'
import { adminHeaders, startHub } from './fixtures/hub.js'

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve, reject) => {
  const timer = setTimeout(resolve, ms)
  signal?.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason) }, { once: true })
})

/** Dependencies the test breaks on purpose: a database (critical) and a cache (not critical). */
function fakeFleetDependencies () {
  const deps = { database: 'ok' as 'ok' | 'fail' | 'hang', cache: 'ok' as 'ok' | 'fail' | 'slow' }
  const health = createHealth({
    service: 'order',
    version: '1.2.3',
    timeoutMs: 1000,
    checks: [
      {
        name: 'database',
        timeoutMs: 200,
        check: async (signal) => {
          if (deps.database === 'fail') throw new Error('connection refused')
          if (deps.database === 'hang') await sleep(60_000, signal)
        },
      },
      {
        name: 'cache',
        critical: false,
        check: async () => {
          if (deps.cache === 'slow') await sleep(400)
          return deps.cache !== 'fail'
        },
      },
    ],
  })
  return { deps, health }
}

async function get (url: string) {
  const res = await fetch(url)
  return { status: res.status, cache: res.headers.get('cache-control'), body: await res.json() as HealthReport }
}

t.test('the Fastify handler: UP, DEGRADED on a non-critical failure, DOWN (503) on a critical one or a hang', async (t) => {
  const { deps, health } = fakeFleetDependencies()
  const app = Fastify()
  app.get('/health', health.fastify)
  t.teardown(() => app.close())
  const url = await app.listen({ host: '127.0.0.1', port: 0 }) + '/health'

  const up = await get(url)
  t.match(up, { status: 200, cache: 'no-store', body: { status: 'UP', ok: true, service: 'order', version: '1.2.3', checks: { database: { status: 'UP', critical: true }, cache: { status: 'UP', critical: false } } } })
  t.type(up.body.uptimeSeconds, 'number')

  deps.cache = 'fail'
  t.match(await get(url), { status: 200, body: { status: 'DEGRADED', ok: true, checks: { cache: { status: 'DOWN', error: 'check returned false' } } } })

  deps.database = 'fail'
  t.match(await get(url), { status: 503, body: { status: 'DOWN', ok: false, checks: { database: { status: 'DOWN', error: 'connection refused' } } } })

  deps.database = 'hang'
  deps.cache = 'ok'
  const hung = await get(url)
  t.match(hung, { status: 503, body: { status: 'DOWN', checks: { database: { status: 'DOWN', error: 'no answer within 200 ms' }, cache: { status: 'UP' } } } })
})

t.test('the Express-style handler on node:http answers the same', async (t) => {
  const { deps, health } = fakeFleetDependencies()
  const server: Server = createServer(health.express)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/health`
  t.match(await get(url), { status: 200, cache: 'no-store', body: { status: 'UP', ok: true } })
  deps.cache = 'fail'
  t.match(await get(url), { status: 200, body: { status: 'DEGRADED' } })
  deps.database = 'fail'
  t.match(await get(url), { status: 503, body: { status: 'DOWN', ok: false } })
})

t.test('no checks: always UP; a name declared twice is refused', async (t) => {
  t.match(await createHealth().evaluate(), { status: 'UP', ok: true, checks: {} })
  t.throws(() => createHealth({ checks: [{ name: 'db', check: () => true }, { name: 'db', check: () => true }] }), /declared twice/)
})

t.test("the hub's prober classifies the handler's answers: up, degraded (reported, slow), down, up again", async (t) => {
  const hub = await startHub(t)
  const fleet = fakeFleetDependencies()
  const service = Fastify()
  service.get('/health', fleet.health.fastify)
  t.teardown(() => service.close())
  const fastifyUrl = await service.listen({ host: '127.0.0.1', port: 0 }) + '/health'
  const plain = fakeFleetDependencies()
  const server = createServer(plain.health.express)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const expressUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/health`

  const declare = { interval: '1m', timeout: '5s', degradedAfterMs: 300, failureThreshold: 1, successThreshold: 1, json: [{ path: 'ok', equals: true }] }
  for (const [name, url] of [['order', fastifyUrl], ['order-express', expressUrl]]) {
    const res = await hub.app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name, url, ...declare } })
    t.equal(res.statusCode, 201, res.body)
  }
  const verdicts = async () => {
    const res = await hub.app.inject({ url: '/check-services?refresh=true', headers: adminHeaders })
    return Object.fromEntries(res.json().services.map((s: { name: string, state: string, lastCheck: { errorClass: string | null, httpStatus: number | null } }) =>
      [s.name, { state: s.state, errorClass: s.lastCheck?.errorClass ?? null, httpStatus: s.lastCheck?.httpStatus ?? null }]))
  }

  t.match(await verdicts(), { order: { state: 'up', httpStatus: 200 }, 'order-express': { state: 'up', httpStatus: 200 } })

  // a non-critical dependency failing: the service still serves and reports DEGRADED, which the hub reads
  fleet.deps.cache = 'fail'
  const degraded = await hub.app.inject({ url: '/check-services?refresh=true', headers: adminHeaders })
  t.match(degraded.json().services.find((s: { name: string }) => s.name === 'order'), { state: 'degraded', lastCheck: { httpStatus: 200, message: 'the service reports status "DEGRADED"' } })
  fleet.deps.cache = 'ok'
  t.match((await verdicts()).order, { state: 'up', httpStatus: 200 }, 'up again once the check passes')

  // a slow dependency makes the answer slower than degradedAfterMs: the hub says degraded
  fleet.deps.cache = 'slow'
  t.match((await verdicts()).order, { state: 'degraded', httpStatus: 200 })

  fleet.deps.cache = 'ok'
  fleet.deps.database = 'fail'
  plain.deps.database = 'hang'
  t.match(await verdicts(), {
    order: { state: 'down', errorClass: 'status', httpStatus: 503 },
    'order-express': { state: 'down', errorClass: 'status', httpStatus: 503 },
  })

  fleet.deps.database = 'ok'
  plain.deps.database = 'ok'
  t.match(await verdicts(), { order: { state: 'up' }, 'order-express': { state: 'up' } })
})
