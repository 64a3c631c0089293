// A PostgreSQL store whose database goes away: reached through a TCP proxy the test cuts and restores,
// and with its backends killed by pg_terminate_backend. Every call answers (a result or an `unavailable`
// error, never a hang), nothing it acknowledged is lost, and it serves again by itself once the
// database is back.
import t from 'tap'
import postgres from 'postgres'
import { tempSchema, TEST_DATABASE_URL } from '../../fixtures/postgres-engine.js'
import { tcpProxy, type CutMode } from '../../fixtures/tcp-proxy.js'
import { createPostgresStore, type PostgresStore } from '../../../src/store/postgres/postgres-store.js'
import type { ContextItem } from '../../../src/store/ports/context.js'

type Tap = import('tap').Test
const target = new URL(TEST_DATABASE_URL)
/** the test's bound on any one call: far above the pool's connect timeout, far below the file's */
const BOUND_MS = 20_000

async function proxiedStore (t: Tap, opts: { statementTimeoutMs?: number, connectTimeoutSeconds?: number } = {}) {
  const proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 5432) })
  t.teardown(() => proxy.close())
  const url = new URL(TEST_DATABASE_URL)
  url.hostname = '127.0.0.1'
  url.port = String(proxy.port)
  const schema = tempSchema(t)
  const store = await createPostgresStore({ url: url.toString(), schema, poolMax: 3, connectTimeoutSeconds: 5, ...opts })
  t.teardown(() => store.close())
  return { proxy, store, schema }
}

/** What a call came to: its value, its error, or `hung` when it did not settle within BOUND_MS. */
async function settle<T> (p: Promise<T>): Promise<{ ok: true, value: T } | { ok: false, err: unknown } | 'hung'> {
  let timer: NodeJS.Timeout | undefined
  const hung = new Promise<'hung'>((resolve) => { timer = setTimeout(() => resolve('hung'), BOUND_MS) })
  try {
    return await Promise.race([p.then((value) => ({ ok: true as const, value }), (err: unknown) => ({ ok: false as const, err })), hung])
  } finally { clearTimeout(timer) }
}

/**
 * Pings until the store answers (a connection killed a moment ago may still fail the first call):
 * answers the refusals met on the way, or 'never' when twenty tries a quarter second apart all failed.
 */
async function untilServing (store: PostgresStore): Promise<unknown[] | 'never'> {
  const refusals: unknown[] = []
  for (let i = 0; i < 20; i++) {
    const r = await settle(store.ping())
    if (r !== 'hung' && r.ok) return refusals
    refusals.push(r === 'hung' ? 'hung' : r.err)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return 'never'
}

const task = (id: string): ContextItem => ({ id, name: 'load', status: 'submitted', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' })

/** Runs `write` until it passes, as a client honouring Retry-After would; answers the refusals met (all must be `unavailable`). */
async function retried (write: () => Promise<unknown>): Promise<unknown[]> {
  const refusals: unknown[] = []
  for (let i = 0; i < 20; i++) {
    const r = await settle(write())
    if (r !== 'hung' && r.ok) return refusals
    refusals.push(r === 'hung' ? 'hung' : r.err)
    if (r === 'hung' || (r.err as { kind?: string }).kind !== 'unavailable') break
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`never passed: ${refusals.map(String).join('; ')}`)
}
const notUnavailable = (refusals: unknown[]) => refusals.filter((e) => (e as { kind?: string }).kind !== 'unavailable').map(String)

/** One write of each of this helper's areas. */
const writes = (store: PostgresStore, n: string): Array<() => Promise<unknown>> => [
  () => store.context.create('tasks', task(`t-${n}`)),
  () => store.health.recordCheck({ service: 'api', at: Date.now(), verdict: 'up', latencyMs: 1, httpStatus: 200, errorClass: null, message: null, tlsDaysLeft: null }),
  () => store.notifier.record({ items: [{ id: `i-${n}`, channelId: 'c1', alertId: 'a1', snapshot: {}, createdAt: 1 }] }),
  () => store.agentTokens.create({ id: `tok-${n}`, agentId: 'a', name: 'n', scopes: [], secretHash: 'x', createdAt: 'now', createdBy: 'user:admin', expiresAt: null, revokedAt: null, lastUsedAt: null }),
]

// While the database cannot be reached, the driver (postgres 3.4.9) keeps some calls waiting past any
// bound and runs them once it is back (a lone transaction after a failed query; queries queued beyond
// the pool's size). The pool's breaker (errors.ts poolGuard) refuses every call at once after the first
// unreachable failure, until a bounded probe answers: these cases hung before it.
for (const mode of ['refuse', 'blackhole'] as CutMode[]) {
  t.test(`database unreachable (${mode}): ping and writes answer unavailable; back by itself when it returns`, async (t) => {
    // a silent host costs a connect timeout per attempt: a short one, so a refusal comes soon
    const { proxy, store } = await proxiedStore(t, { connectTimeoutSeconds: mode === 'blackhole' ? 2 : 5 })
    await Promise.all(writes(store, 'before').map((w) => w()))
    proxy.cut(mode)
    const ping = await settle(store.ping())
    t.match(ping, { ok: false, err: { name: 'StoreUnavailableError', kind: 'unavailable', retryAfterSeconds: Number } }, 'ping: unavailable')
    const during = []
    for (const w of writes(store, 'during')) during.push(await settle(w()))
    for (const [i, r] of during.entries()) t.match(r, { ok: false, err: { kind: 'unavailable', retryAfterSeconds: Number } }, `write ${i}: unavailable, not hung`)
    await proxy.restore()
    const meanwhile = await untilServing(store)
    t.not(meanwhile, 'never', 'ping answers again, no restart')
    // connections the pool was opening while the database was away may still fail one call each
    const refusals = (await Promise.all(writes(store, 'after').map(retried))).flat()
    t.same(notUnavailable([...(meanwhile === 'never' ? [] : meanwhile), ...refusals]), [], 'calls refused on the way back were refused as unavailable')
    t.same((await store.context.list('tasks', { limit: 10 })).map((x) => x.id), ['t-after', 't-before'], 'what was acknowledged is there; the refused write is not')
    t.same((await store.agentTokens.list({})).map((x) => x.id).sort(), ['tok-after', 'tok-before'])
    t.same((await store.notifier.pendingItems()).map((x) => x.id), ['i-before', 'i-after'])
    t.equal((await store.health.history('api', { limit: 10 })).length, 2)
  })
}

t.test('backends killed with pg_terminate_backend during writes: refusals are unavailable, nothing acknowledged is lost', async (t) => {
  const { proxy, store } = await proxiedStore(t)
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} })
  t.teardown(() => admin.end({ timeout: 5 }))
  const acknowledged: string[] = []
  const refused: unknown[] = []
  let kills = 0
  let stop = false
  const writer = async (w: number) => {
    // eslint-disable-next-line no-unmodified-loop-condition -- the killer sets it
    for (let i = 0; !stop; i++) {
      const id = `w${w}-${i}`
      const r = await settle(store.context.create('tasks', task(id)))
      if (r === 'hung') { refused.push(new Error(`${id} hung`)); return }
      if (r.ok) acknowledged.push(id)
      else refused.push(r.err)
    }
  }
  const killer = async () => {
    while (kills < 8) {
      await new Promise((resolve) => setTimeout(resolve, 25))
      const ports = proxy.upstreamPorts()
      if (ports.length === 0) continue
      const rows = await admin`SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE client_port = ANY(${ports}::int[]) AND application_name = 'mcp-server'`
      kills += rows.filter((r) => r.done).length
    }
    stop = true
  }
  await Promise.all([writer(0), writer(1), writer(2), killer()])
  t.ok(kills >= 8, `${kills} backends killed`)
  t.ok(acknowledged.length > 0, `${acknowledged.length} writes acknowledged`)
  t.same(refused.filter((e) => (e as { kind?: string }).kind !== 'unavailable').map(String), [], `every one of ${refused.length} refusals is unavailable (none hung, none another error)`)
  const meanwhile = await untilServing(store)
  t.not(meanwhile, 'never', 'the store serves again by itself')
  t.match(meanwhile, Array, 'pings that came too soon were refused as unavailable') && t.same((meanwhile as Array<{ kind?: string }>).filter((e) => e.kind !== 'unavailable'), [])
  const stored = new Set<string>()
  for (let after: string | undefined; ;) {
    const page = await store.context.list('tasks', { afterId: after, limit: 500 })
    for (const x of page) stored.add(x.id)
    if (page.length < 500) break
    after = page[page.length - 1].id
  }
  t.same(acknowledged.filter((id) => !stored.has(id)), [], 'every acknowledged write is stored')
})

t.test('a statement stuck behind a lock ends at the statement timeout as unavailable, and the store goes on', async (t) => {
  const { store, schema } = await proxiedStore(t, { statementTimeoutMs: 300 })
  await store.context.create('tasks', task('locked'))
  const before = (await store.context.get('tasks', 'locked'))!
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} })
  t.teardown(() => admin.end({ timeout: 5 }))
  let release!: () => void
  const released = new Promise<void>((resolve) => { release = resolve })
  let locked!: () => void
  const isLocked = new Promise<void>((resolve) => { locked = resolve })
  const holder = admin.begin(async (tx) => {
    await tx.unsafe(`SELECT 1 FROM "${schema}".context_tasks WHERE id = 'locked' FOR UPDATE`)
    locked()
    await released
  })
  await isLocked
  const r = await settle(store.context.replace('tasks', before, { ...before, status: 'working' }))
  t.match(r, { ok: false, err: { kind: 'unavailable' } }, 'the write waiting on the lock is cancelled at the timeout: unavailable')
  release()
  await holder
  t.equal(await store.context.replace('tasks', before, { ...before, status: 'working' }), true, 'once the lock is gone the same write passes')
})
