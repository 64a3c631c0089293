// Three hub processes on one PostgreSQL schema. Real probe targets go down and come back, a real webhook
// receiver refuses at first then accepts; the leader is killed with SIGKILL while a notification waits for
// its retry. One survivor takes over, every alert and every resolution reaches the receiver exactly once
// (counted as received, no deduplication), no acknowledged event is lost, an event posted to one instance
// shows on another's /stream, and definitions changed through one instance take effect on the others.
import t from 'tap'
import { createServer, get, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generateKeyPairSync } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import postgres from 'postgres'
import { request } from 'undici'
import { startServer, exited, PROCESS_TEST_TIMEOUT_MS, type RunningServer } from '../server-process.js'
import { tempDir, ADMIN_PASSWORD } from '../helper.js'
import { waitFor } from '../fixtures/wait.js'
import { receiver } from '../fixtures/notifier.js'
import { TEST_DATABASE_URL, tempSchema } from '../fixtures/postgres-engine.js'

t.setTimeout(PROCESS_TEST_TIMEOUT_MS * 2)

const LEASE_MS = 3000
/** generous waits: the machine running the suite may be loaded */
const START_WAIT_MS = 240_000
const WAIT_MS = 60_000
const auth = 'Basic ' + Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')
const admin = { authorization: auth }

/** A probe target on 127.0.0.1 that answers 200 while up and 503 while down. */
async function target (tt: typeof t) {
  const state = { up: true }
  const server: Server = createServer((_req, res) => { res.writeHead(state.up ? 200 : 503).end(state.up ? 'ok' : 'down') })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  tt.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`, state }
}

async function json (url: string, init: { method?: string, body?: unknown } = {}) {
  const headers = init.body === undefined ? admin : { ...admin, 'content-type': 'application/json' }
  const res = await request(url, { method: (init.method ?? 'GET') as 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) })
  const text = await res.body.text()
  return { status: res.statusCode, body: text ? JSON.parse(text) : null }
}

async function ready (s: RunningServer): Promise<{ role: string, leaderToken: number | null } | null> {
  try { return (await json(`${s.url}/ready`)).body } catch { return null }
}

/** A /stream client: the `event` frames' data, as they arrive. */
function streamEvents (tt: typeof t, url: string) {
  const got: Array<{ type: string, seq: number, data: { id: string } }> = []
  const req = get(`${url}/stream?kinds=event`, { headers: { authorization: auth, accept: 'text/event-stream' } }, (res) => {
    let buf = ''
    res.setEncoding('utf8')
    res.on('data', (chunk: string) => {
      buf += chunk
      let i
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, i)
        buf = buf.slice(i + 2)
        const data = /^data: (.*)$/m.exec(frame)
        if (/^event: event$/m.test(frame) && data) got.push(JSON.parse(data[1]))
      }
    })
  })
  req.on('error', () => {})
  tt.teardown(() => { req.destroy() })
  return got
}

t.test('three instances: one leader, failover on SIGKILL, alerts exactly once, shared stream and definitions', async (t) => {
  const schema = tempSchema(t)
  const alpha = await target(t)
  const beta = await target(t)
  // refuses (500) until accepting: a notification is pending its retry when the leader dies
  const gate = { accept: false }
  const hook = await receiver(t, () => gate.accept ? 200 : 500)

  const dir = tempDir(t)
  const configFile = join(dir, 'mcp.yaml')
  writeFileSync(configFile, JSON.stringify({
    services: [
      { name: 'alpha', url: alpha.url, interval: 1000, timeout: 500, failureThreshold: 1, successThreshold: 1 },
      { name: 'beta', url: beta.url, interval: 1000, timeout: 500, failureThreshold: 1, successThreshold: 1 },
    ],
    channels: [{ id: 'hook', type: 'webhook', url: hook.url }],
    alertRules: [{ id: 'all', channels: ['hook'] }],
  }))
  const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  const env = (name: string) => ({
    MCP_DATABASE_URL: TEST_DATABASE_URL,
    MCP_DATABASE_SCHEMA: schema,
    MCP_DATABASE_POOL_MAX: '4',
    MCP_LEADER_LEASE_MS: String(LEASE_MS),
    MCP_DATA_DIR: tempDir(t, `mcp-${name}-`),
    MCP_ADMIN_PASSWORD: ADMIN_PASSWORD,
    MCP_AUDIT_SIGNING_KEY: signingKey,
    MCP_CONFIG: configFile,
    MCP_NOTIFIER_GROUP_WINDOW_MS: '50',
    MCP_NOTIFIER_TICK_MS: '100',
    MCP_NOTIFIER_RETRY_BASE_MS: '200',
    MCP_NOTIFIER_RETRY_MAX_DELAY_MS: '500',
    MCP_RATE_LIMIT_MAX: '100000',
  })
  const servers: RunningServer[] = []
  t.teardown(() => { for (const s of servers) s.child.kill('SIGKILL') })
  // one after the other (each start transpiles the sources: on a loaded machine that takes long); the
  // first migrates, the others find every migration applied
  for (const name of ['a', 'b', 'c']) servers.push(await startServer(env(name), START_WAIT_MS))

  // one leader among the three
  const roles = async () => Promise.all(servers.map(async (s) => s.child.exitCode === null && s.child.signalCode === null ? await ready(s) : null))
  const first = await waitFor(async () => {
    const r = await roles()
    const leaders = r.filter((x) => x?.role === 'leader')
    return r.every((x) => x !== null) && leaders.length === 1 ? r : null
  }, { timeoutMs: WAIT_MS, intervalMs: 100, message: 'exactly one leader among three ready instances' })
  const leaderIndex = first.findIndex((x) => x?.role === 'leader')
  const leader = servers[leaderIndex]
  const followers = servers.filter((_, i) => i !== leaderIndex)
  const firstToken = first[leaderIndex]!.leaderToken!
  t.ok(firstToken >= 1, `instance ${leaderIndex} leads with token ${firstToken}`)
  t.same(first.filter((x) => x?.role === 'follower').map((x) => x!.leaderToken), [null, null], 'the others follow')
  const metrics = await request(`${followers[0].url}/metrics/prometheus`).then((r) => r.body.text())
  t.match(metrics, /^mcp_cluster_leader 0$/m, 'a follower exposes mcp_cluster_leader 0')
  t.match(await request(`${leader.url}/metrics/prometheus`).then((r) => r.body.text()), /^mcp_cluster_leader 1$/m)

  // an event posted to one instance appears on another's /stream
  const onFollower = streamEvents(t, followers[1].url)
  await new Promise((resolve) => setTimeout(resolve, 300)) // the stream connects (a later event would be replayed from its position anyway)
  const posted = await json(`${followers[0].url}/events`, { method: 'POST', body: { type: 'cluster.hello', payload: { from: 'follower 0' } } })
  t.equal(posted.status, 201)
  const seen = await waitFor(() => onFollower.find((e) => e.data.id === posted.body.id), { timeoutMs: WAIT_MS, message: 'the event on the other instance\'s stream' })
  t.equal(seen.type, 'cluster.hello', 'the event posted to one instance is streamed by another')

  // a channel created through one instance is known to the others (a test send through another finds it)
  const created = await json(`${followers[0].url}/notifications/channels`, { method: 'POST', body: { id: 'spare', type: 'webhook', url: hook.url } })
  t.equal(created.status, 201)
  await waitFor(async () => (await json(`${followers[1].url}/notifications/channels/spare`)).status === 200, { timeoutMs: WAIT_MS, message: 'the channel on another instance' })
  await waitFor(async () => (await json(`${leader.url}/notifications/channels/spare`)).status === 200, { timeoutMs: WAIT_MS, message: 'the channel on the leader' })
  t.pass('a channel created through one instance is served by the others')
  const removed = await json(`${followers[1].url}/notifications/channels/spare`, { method: 'DELETE' })
  t.equal(removed.status, 204)
  await waitFor(async () => (await json(`${followers[0].url}/notifications/channels/spare`)).status === 404, { timeoutMs: WAIT_MS, message: 'the channel gone on the instance that created it' })

  // events acknowledged by any instance, the leader included, while it is killed
  const acked = new Set<string>()
  let posting = true
  const poster = async (s: RunningServer, w: number) => {
    // eslint-disable-next-line no-unmodified-loop-condition -- the test sets it once the alerts are through
    for (let i = 0; posting && i < 2000; i++) {
      try {
        const r = await json(`${s.url}/events`, { method: 'POST', body: { type: 'cluster.load', payload: { w, i } } })
        if (r.status === 201) acked.add(r.body.id)
      } catch { if (s === leader) return }
    }
  }
  const posters = servers.map((s, w) => poster(s, w))

  // alpha goes down: the leader raises the alert; the receiver refuses it, the retry waits in the outbox
  alpha.state.up = false
  await waitFor(() => hook.attempts() >= 1, { timeoutMs: WAIT_MS, message: 'a first (refused) delivery attempt' })
  const before = await leaseRow(schema)
  leader.child.kill('SIGKILL')
  const killedAt = performance.now()
  await exited(leader.child)

  const after = await waitFor(async () => {
    const r = await Promise.all(followers.map(ready))
    return r.some((x) => x?.role === 'leader') ? r : null
  }, { timeoutMs: WAIT_MS, intervalMs: 50, message: 'a survivor to take over' })
  const failoverMs = Math.round(performance.now() - killedAt)
  const newLeader = followers[after.findIndex((x) => x?.role === 'leader')]
  const newToken = after.find((x) => x?.role === 'leader')!.leaderToken!
  t.ok(newToken > firstToken, `the new leader's token ${newToken} is above ${firstToken}`)
  t.equal(after.filter((x) => x?.role === 'leader').length, 1, 'one survivor leads, the other follows')
  const takenOver = await leaseRow(schema)
  t.ok(takenOver.acquired_at >= before.expires_at, 'the lease changed hands only once the dead leader\'s lease had run out')
  t.comment(`failover: a survivor reported leader ${failoverMs} ms after SIGKILL (lease ${LEASE_MS} ms, renewed every ${LEASE_MS / 3} ms); taken over ${takenOver.acquired_at - before.expires_at} ms after the last lease read before the kill ran out`)

  // the receiver now accepts: the pending firing is delivered by the new leader
  gate.accept = true
  const noticesOf = () => hook.got.flatMap((m) => (m.body.alerts as Array<{ service: string, notice: string }>).map((a) => `${a.service}:${a.notice}`))
  await waitFor(() => noticesOf().includes('alpha:firing'), { timeoutMs: WAIT_MS, message: 'alpha firing delivered' })
  // acknowledged through the instance that does not lead: the leader takes it up and keeps it
  const follower = followers.find((s) => s !== newLeader)!
  const alphaAlert = hook.got.flatMap((m) => m.body.alerts as Array<{ id: string, service: string }>).find((a) => a.service === 'alpha')!
  const ack = await json(`${follower.url}/alerts/${alphaAlert.id}/ack`, { method: 'POST', body: { comment: 'on it' } })
  t.equal(ack.status, 200, 'a follower acknowledges a firing alert it never raised')
  await waitFor(async () => (await json(`${newLeader.url}/alerts/${alphaAlert.id}`)).body.acknowledged?.comment === 'on it', { timeoutMs: WAIT_MS, message: 'the acknowledgement on the leader' })
  alpha.state.up = true
  await waitFor(() => noticesOf().includes('alpha:resolved'), { timeoutMs: WAIT_MS, message: 'alpha resolved delivered' })
  beta.state.up = false
  await waitFor(() => noticesOf().includes('beta:firing'), { timeoutMs: WAIT_MS, message: 'beta firing delivered' })
  beta.state.up = true
  await waitFor(() => noticesOf().includes('beta:resolved'), { timeoutMs: WAIT_MS, message: 'beta resolved delivered' })

  posting = false
  await Promise.all(posters)
  // nothing left to send: then nothing more can reach the receiver
  await waitFor(async () => (await pendingMessages(schema)) === 0, { timeoutMs: WAIT_MS, message: 'the outbox to drain' })
  t.match((await json(`${newLeader.url}/alerts/${alphaAlert.id}`)).body, { status: 'resolved', acknowledged: { comment: 'on it' } }, 'the leader resolved the alert without losing the acknowledgement')
  const notices = noticesOf().sort()
  t.same(notices, ['alpha:firing', 'alpha:resolved', 'beta:firing', 'beta:resolved'], 'each alert and each resolution arrived exactly once')

  // no acknowledged event lost, read through a survivor
  const stored = new Set<string>()
  let cursor: string | null = null
  for (let page = 0; page < 100; page++) {
    const r = await json(`${newLeader.url}/events?type=cluster.load&limit=1000${cursor ? `&cursor=${cursor}` : ''}`)
    for (const e of r.body.events) stored.add(e.id)
    cursor = r.body.nextCursor
    if (!cursor) break
  }
  const lost = [...acked].filter((id) => !stored.has(id))
  t.ok(acked.size > 0, `${acked.size} events acknowledged across the kill`)
  t.same(lost, [], 'every acknowledged event is stored')

  // the survivors close cleanly; the leader hands the lease back
  for (const s of followers) s.child.kill('SIGTERM')
  await Promise.all(followers.map((s) => exited(s.child)))
  t.same(followers.map((s) => s.child.exitCode), [0, 0], 'the survivors exit cleanly')
  t.ok((await leaseRow(schema)).expires_at === 0, 'the last leader released the lease on shutdown')
})

async function withSql<T> (fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {}, types: { bigint: postgres.BigInt } })
  try { return await fn(sql) } finally { await sql.end({ timeout: 5 }) }
}
async function leaseRow (schema: string): Promise<{ token: number, expires_at: number, acquired_at: number }> {
  return await withSql(async (sql) => {
    const [r] = await sql.unsafe(`SELECT token, expires_at, acquired_at FROM "${schema}".cluster_lease WHERE name = 'leader'`)
    return { token: Number(r.token), expires_at: Number(r.expires_at), acquired_at: Number(r.acquired_at) }
  })
}
async function pendingMessages (schema: string): Promise<number> {
  return await withSql(async (sql) => {
    const [r] = await sql.unsafe(`SELECT (SELECT count(*) FROM "${schema}".notifier_outbox WHERE status = 'pending') + (SELECT count(*) FROM "${schema}".notifier_items WHERE message_id IS NULL) AS n`)
    return Number(r.n)
  })
}
