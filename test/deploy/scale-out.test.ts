// The scale-out profile of docker-compose.yml (docker itself is not on this machine: the file is
// parsed and its hub settings loaded by the hub's own config loader), and its load balancer: the real
// HAProxy checks deploy/haproxy.cfg, then runs it (backends moved to 127.0.0.1) in front of two real
// hubs and a backend whose /ready answers 503. Requests reach only the ready ones; a hub that stops is
// taken out without a failed request.
import t from 'tap'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { request } from 'undici'
import { loadConfig } from '../../src/config.js'
import { build, tempDir } from '../helper.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const haproxy = { skip: existsSync('/usr/sbin/haproxy') ? false : 'haproxy missing (Debian package haproxy)' }

t.test('docker-compose.yml: the scale-out profile runs two replicas on PostgreSQL and Redis behind a balancer', async (t) => {
  const compose = parseYaml(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true })
  const inProfile = Object.entries(compose.services).filter(([, s]: [string, any]) => s.profiles?.includes('scale-out')).map(([name]) => name).sort()
  t.same(inProfile, ['hub-1', 'hub-2', 'lb', 'postgres', 'redis'])
  t.notOk(compose.services['mcp-server'].profiles, 'the single hub still starts with a plain `docker compose up`')
  for (const name of ['hub-1', 'hub-2']) {
    const hub = compose.services[name]
    t.equal(hub.build, '.', `${name} is built from this repository`)
    t.same(hub.healthcheck.test, ['CMD', 'node', 'dist/healthcheck.js', '/ready'], `${name} is healthy while ready`)
    t.same(hub.depends_on, { postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } })
    // the environment, with the compose variables given, is a valid hub configuration
    const env = Object.fromEntries(Object.entries(hub.environment as Record<string, string>).map(([k, v]) =>
      [k, String(v).replace(/\$\{(\w+):\?[^}]*\}/g, (_, n: string) => `${n.toLowerCase()}-value`)]))
    const config = loadConfig({ env })
    t.match(config, { databaseUrl: /^postgres:\/\/mcp:postgres_password-value@postgres:5432\/mcp$/, redisUrl: 'redis://redis:6379', trustProxy: 1 }, `${name} runs on PostgreSQL and Redis behind one proxy`)
  }
  t.not(compose.services['hub-1'].volumes[0], compose.services['hub-2'].volumes[0], 'each replica has its own data dir')
  t.same(compose.services.lb.ports, ['5060:5050'])
  t.same(compose.services.lb.volumes, ['./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro'])
  for (const v of ['pg-data', 'hub-1-data', 'hub-2-data']) t.ok(v in compose.volumes, `volume ${v} is declared`)
})

t.test('haproxy -c accepts deploy/haproxy.cfg; it checks /ready and balances both replicas', haproxy, async (t) => {
  const out = execFileSync('haproxy', ['-c', '-f', join(root, 'deploy/haproxy.cfg')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  t.match(out, /Configuration file is valid/)
  const cfg = readFileSync(join(root, 'deploy/haproxy.cfg'), 'utf8')
  t.match(cfg, /option httpchk GET \/ready/)
  t.match(cfg, /http-check expect status 200/)
  t.match(cfg, /server hub-1 hub-1:5050 check/)
  t.match(cfg, /server hub-2 hub-2:5050 check/)
})

const freePort = () => new Promise<number>((resolve) => { const s = createNetServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)) }) })
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('the balancer, running, sends requests only to ready replicas and drops one that stops', haproxy, async (t) => {
  // two hubs and a backend that is up but not ready, each counting the requests it serves (checks apart)
  const counts = { a: 0, b: 0, notReady: 0 }
  const a = (await build(t, { rateLimitMax: 100_000 })).app
  const b = (await build(t, { rateLimitMax: 100_000 })).app
  for (const [key, app] of [['a', a], ['b', b]] as const) {
    await app.listen({ port: 0, host: '127.0.0.1' })
    app.server.on('request', (req) => { if (req.url !== '/ready') counts[key]++ })
  }
  const notReady: Server = createServer((req, res) => {
    if (req.url === '/ready') { res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"unavailable"}'); return }
    counts.notReady++
    res.writeHead(200).end('{}')
  })
  await new Promise<void>((resolve) => notReady.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => notReady.close(() => resolve())))
  const portOf = (s: { address (): unknown }) => (s.address() as { port: number }).port

  // the shipped config, with its backends on this machine's loopback and Docker's resolver left out
  const front = await freePort()
  const cfg = readFileSync(join(root, 'deploy/haproxy.cfg'), 'utf8')
    .replace(/^resolvers docker\n(?: {2}.*\n)*/m, '')
    .replace(' resolvers docker', '')
    .replace('bind :5050', `bind 127.0.0.1:${front}`)
    .replace('default-server inter 2s', 'default-server inter 200ms')
    .replace('server hub-1 hub-1:5050 check', `server hub-1 127.0.0.1:${portOf(a.server)} check`)
    .replace('server hub-2 hub-2:5050 check', `server hub-2 127.0.0.1:${portOf(b.server)} check\n  server not-ready 127.0.0.1:${portOf(notReady)} check`)
  const file = join(tempDir(t), 'haproxy.cfg')
  writeFileSync(file, cfg)
  const lb = spawn('haproxy', ['-f', file, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  lb.stderr.on('data', (d) => { stderr += d })
  t.teardown(() => { lb.kill('SIGKILL') })

  const get = async () => {
    const res = await request(`http://127.0.0.1:${front}/health`)
    await res.body.text()
    return res.statusCode
  }
  // up once the checks have found the two ready replicas (rise 2 at 200 ms), within 10 s
  let up = false
  for (let i = 0; i < 100 && !up; i++) { await sleep(100); up = await get().then((s) => s === 200, () => false) }
  t.ok(up, 'the balancer answers through a ready replica', { stderr })
  // HAProxy starts with every server up and takes one out after two failed checks: wait until ten
  // requests in a row miss the unready backend (never, if the checks did not read /ready)
  let settled = false
  for (let i = 0; i < 100 && !settled; i++) {
    counts.notReady = 0
    for (let k = 0; k < 10; k++) await get()
    settled = counts.notReady === 0
    if (!settled) await sleep(100)
  }
  t.ok(settled, 'the unready backend is taken out by its /ready check')
  for (const k of Object.keys(counts) as Array<keyof typeof counts>) counts[k] = 0

  const codes = []
  for (let i = 0; i < 30; i++) codes.push(await get())
  t.same(codes, Array(30).fill(200), 'thirty requests, all answered')
  t.ok(counts.a > 0 && counts.b > 0, `both ready replicas served (${counts.a} and ${counts.b})`)
  t.equal(counts.notReady, 0, 'the replica whose /ready answers 503 served none')

  // a replica stops: the rest go to the other one, none fails (a refused connection is redispatched)
  await b.close()
  counts.a = 0
  const after = []
  for (let i = 0; i < 30; i++) after.push(await get())
  t.same(after, Array(30).fill(200), 'after hub-2 stopped, thirty more requests all answered')
  t.equal(counts.a, 30, 'all by hub-1')
  t.equal(counts.notReady, 0, 'still none by the unready backend')
})
