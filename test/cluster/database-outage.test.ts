// A hub on PostgreSQL whose database goes away during ingest, through a real network path (a TCP proxy
// the test cuts and restores) and with its backends killed by pg_terminate_backend: /ready answers 503
// while the database is away and 200 again by itself; writes are refused with 503 and Retry-After, never
// a 500, never a request left hanging; every event acknowledged with a 2xx is stored, once.
import t from 'tap'
import postgres from 'postgres'
import { tempSchema, TEST_DATABASE_URL } from '../fixtures/postgres-engine.js'
import { tcpProxy } from '../fixtures/tcp-proxy.js'
import { build, adminHeaders } from '../helper.js'

const target = new URL(TEST_DATABASE_URL)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function hubBehindProxy (t: Parameters<typeof build>[0] & { teardown (fn: () => unknown): void }) {
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} })
  t.teardown(() => admin.end({ timeout: 5 }))
  await admin`SELECT 1`
  const proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 5432) })
  t.teardown(() => proxy.close())
  const url = new URL(TEST_DATABASE_URL)
  url.hostname = '127.0.0.1'
  url.port = String(proxy.port)
  const schema = tempSchema(t)
  const { app } = await build(t, { databaseUrl: url.toString(), databaseSchema: schema, databasePoolMax: 4, rateLimitMax: 1_000_000, ingestRateLimitMax: 1_000_000, healthScheduler: false })
  return { app, proxy, schema, admin }
}

interface Outcome { acknowledged: string[], refused: Array<{ status: number, retryAfter: unknown, body: string }>, other: Array<{ status: number, body: string }> }

/** Posts events with producer ids from `writers` loops until `stop()` is true; sorts every answer. */
async function ingest (app: Awaited<ReturnType<typeof build>>['app'], writers: number, stop: () => boolean): Promise<Outcome> {
  const out: Outcome = { acknowledged: [], refused: [], other: [] }
  await Promise.all(Array.from({ length: writers }, async (_, w) => {
    for (let i = 0; !stop(); i++) {
      const id = `w${w}-${i}`
      const res = await app.inject({ method: 'POST', url: '/events', headers: adminHeaders, payload: { type: 'outage.test', source: 'loader', id, payload: { i } } })
      if (res.statusCode === 201 || res.statusCode === 200) out.acknowledged.push(id)
      else if (res.statusCode === 503) { out.refused.push({ status: 503, retryAfter: res.headers['retry-after'], body: res.body }); await sleep(20) } else out.other.push({ status: res.statusCode, body: res.body })
    }
  }))
  return out
}

/**
 * The producer ids stored, read straight from PostgreSQL on the test's own connection (opened before the
 * outage, not through the proxy): what the hub acknowledged must be in the database, whatever state its
 * own pool is in while it reconnects.
 */
async function storedIds (admin: postgres.Sql, schema: string): Promise<string[]> {
  const rows = await admin.unsafe(`SELECT producer_id FROM "${schema}".events WHERE type = 'outage.test'`)
  return rows.map((r) => r.producer_id as string)
}

async function readyStatus (app: Awaited<ReturnType<typeof build>>['app']) {
  return (await app.inject({ url: '/ready' })).statusCode
}

t.test('the database refuses connections during ingest: not ready, 503 + Retry-After, back by itself, nothing acknowledged lost', async (t) => {
  const { app, proxy, schema, admin } = await hubBehindProxy(t)
  t.equal(await readyStatus(app), 200, 'ready on PostgreSQL')
  let phase: 'before' | 'cut' | 'after' | 'done' = 'before'
  const loader = ingest(app, 4, () => phase === 'done')
  await sleep(300)
  proxy.cut('refuse')
  phase = 'cut'
  let notReady = false
  for (let i = 0; i < 100 && !notReady; i++) { notReady = (await readyStatus(app)) === 503; if (!notReady) await sleep(50) }
  t.ok(notReady, '/ready answers 503 while the database is away')
  await sleep(800)
  await proxy.restore()
  phase = 'after'
  let ready = false
  for (let i = 0; i < 200 && !ready; i++) { ready = (await readyStatus(app)) === 200; if (!ready) await sleep(50) }
  t.ok(ready, '/ready answers 200 again, without a restart')
  await sleep(300)
  phase = 'done'
  const out = await loader
  t.ok(out.acknowledged.length > 0, `${out.acknowledged.length} events acknowledged`)
  t.ok(out.refused.length > 0, `${out.refused.length} refused while the database was away`)
  t.same(out.other, [], 'no other answer: no 500, no 4xx')
  t.ok(out.refused.every((r) => Number(r.retryAfter) >= 1), 'every refusal carries Retry-After')
  t.match(JSON.parse(out.refused[0].body), { statusCode: 503, message: String })
  const stored = await storedIds(admin, schema)
  const missing = out.acknowledged.filter((id) => !stored.includes(id))
  t.same(missing, [], 'every acknowledged event is stored')
  t.equal(new Set(stored).size, stored.length, 'each once')
})

t.test('backends killed with pg_terminate_backend during ingest: refusals are 503, nothing acknowledged lost', async (t) => {
  const { app, proxy, schema, admin } = await hubBehindProxy(t)
  let kills = 0
  const killer = (async () => {
    for (let i = 0; i < 200 && kills < 6; i++) {
      await sleep(40)
      const ports = proxy.upstreamPorts()
      if (ports.length === 0) continue
      const rows = await admin`SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE client_port = ANY(${ports}::int[]) AND application_name = 'mcp-server'`
      kills += rows.filter((r) => r.done).length
    }
  })()
  let stop = false
  const loader = ingest(app, 4, () => stop)
  await killer
  let ready = false
  for (let i = 0; i < 200 && !ready; i++) { ready = (await readyStatus(app)) === 200; if (!ready) await sleep(50) }
  stop = true
  const out = await loader
  t.ok(kills >= 6, `${kills} backends killed`)
  t.ok(ready, 'ready again by itself')
  t.same(out.other, [], 'no answer but 2xx and 503')
  t.ok(out.refused.every((r) => Number(r.retryAfter) >= 1), `each of ${out.refused.length} refusals carries Retry-After`)
  const stored = await storedIds(admin, schema)
  t.same(out.acknowledged.filter((id) => !stored.includes(id)), [], `all ${out.acknowledged.length} acknowledged events stored`)
  t.equal(new Set(stored).size, stored.length, 'each once')
})
