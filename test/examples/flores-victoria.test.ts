// The Flores Victoria example, run for real: the hub started with examples/flores-victoria/mcp.yaml (its
// URLs pointed at the stand-ins' ports), the five stand-ins of fleet.js as a child process reporting
// through the client kit. Failing auth takes it down; order and cart, which need it, go down too and
// their alerts are suppressed (only auth's firing reaches the webhook); recovering auth resolves it all.
import t from 'tap'
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse, stringify } from 'yaml'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { ADMIN_PASSWORD, ADMIN_USER, adminHeaders, tempDir } from '../helper.js'
import { waitFor } from '../fixtures/wait.js'
import { freePort } from '../../clients/node/test/fixtures/hub.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const example = join(root, 'examples/flores-victoria')
const SHOP = ['auth', 'product', 'order', 'cart', 'wishlist']

interface WebhookLine { kind: string, alerts: Array<{ service: string | null, services: string[], notice: string, status: string }> }
interface Alert { ruleId: string, service: string | null, services: string[], status: string, firingSent: boolean }

t.test('the fleet: a failure, its suppressed dependants, the resolution', async (t) => {
  // fleet.js imports the kit's build, as a user of the published package would
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'clients/node/tsconfig.json')])

  const hubPort = await freePort()
  const fleet = spawn(process.execPath, [join(example, 'fleet.js')], {
    env: { PATH: process.env.PATH ?? '', MCP_HUB_URL: `http://127.0.0.1:${hubPort}`, FLEET_BASE_PORT: '0', FLEET_WEBHOOK_PORT: '0', FLEET_EVENT_INTERVAL_MS: '100' },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  fleet.stdout.on('data', (d) => { out += d })
  fleet.stderr.on('data', (d) => { err += d })
  t.teardown(() => { if (fleet.exitCode === null) fleet.kill('SIGKILL') })
  const say = (line: string) => fleet.stdin.write(line + '\n')
  await waitFor(() => out.includes('fleet ready'), { timeoutMs: 30_000, message: () => `the fleet to start: ${out}${err}` })

  const urls = Object.fromEntries([...out.matchAll(/^(\w+) listening at (http:\/\/127\.0\.0\.1:\d+\/health)$/gm)].map((m) => [m[1], m[2]]))
  const webhookUrl = /^webhook receiver listening at (\S+)$/m.exec(out)![1]
  t.same(Object.keys(urls).sort(), [...SHOP].sort())

  // the example's config file, as it is, with the stand-ins' ports and the webhook receiver's
  const config = parse(readFileSync(join(example, 'mcp.yaml'), 'utf8'))
  for (const s of config.services) s.url = urls[s.name]
  config.channels[0].url = webhookUrl
  const dataDir = tempDir(t)
  const configFile = join(dataDir, 'mcp.yaml')
  writeFileSync(configFile, stringify(config))
  const app = await buildApp(loadConfig({
    env: { MCP_CONFIG: configFile },
    // the checks run when the test asks (?refresh=true), not on the 5 s clock; notifications go out at once
    overrides: { dataDir, adminUser: ADMIN_USER, adminPassword: ADMIN_PASSWORD, logLevel: 'silent', healthScheduler: false, notifierGroupWindowMs: 200, notifierTickMs: 50, rateLimitMax: 1_000_000 },
  }))
  t.teardown(() => app.close())
  await app.listen({ host: '127.0.0.1', port: hubPort })

  const get = async (url: string) => {
    const res = await app.inject({ url, headers: adminHeaders })
    if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}: ${res.body}`)
    return res.json()
  }
  const states = async () => Object.fromEntries((await get('/check-services?refresh=true')).services.map((s: { name: string, state: string }) => [s.name, s.state]))
  const until = (want: Record<string, string>, what: string) => waitFor(async () => {
    const now = await states()
    return Object.entries(want).every(([k, v]) => now[k] === v) ? now : null
  }, { timeoutMs: 30_000, intervalMs: 50, message: what })
  const webhooks = (): WebhookLine[] => [...out.matchAll(/^webhook (\w+) (\{.*\})$/gm)].map((m) => ({ kind: m[1], ...JSON.parse(m[2]) }))

  const allUp = Object.fromEntries(SHOP.map((s) => [s, 'up']))
  await until(allUp, 'the five services up')
  t.match(await get('/services/order'), { status: { source: 'file', readOnly: true }, definition: { dependsOn: ['auth', 'product'], tags: ['checkout', 'flores-victoria'] } })

  // the stand-ins' events reach the hub (queued by the kit until the hub was up)
  for (const source of SHOP) {
    await waitFor(async () => (await get(`/events?source=${source}&limit=1`)).events.length > 0, { timeoutMs: 30_000, intervalMs: 50, message: `an event from ${source}` })
  }
  t.match((await get('/events?source=order&limit=1')).events[0], { type: 'order.created', source: 'order', payload: { order: /^FV-/ } })

  say('fail auth')
  await until({ auth: 'down', order: 'down', cart: 'down', product: 'up', wishlist: 'up' }, 'auth down, and order and cart with it')
  // the notifier takes the transitions from the bus: wait until it has raised all four alerts
  const active: Alert[] = await waitFor(async () => {
    const list: Alert[] = await get('/alerts?state=active')
    // the shop-wide alert names every service down once it has seen all three transitions
    const shop = list.find((a) => a.ruleId === 'services-down')
    return list.length >= 4 && shop?.services?.length === 3 ? list : null
  }, { timeoutMs: 30_000, message: 'the alerts of auth, order, cart and the shop (naming all three)' })
  const alertOf = (service: string) => active.find((a) => a.ruleId === 'flores-victoria-services' && a.service === service)
  t.match(alertOf('auth'), { status: 'firing' })
  t.match(alertOf('order'), { status: 'suppressed', suppressedBy: 'dependency' })
  t.match(alertOf('cart'), { status: 'suppressed', suppressedBy: 'dependency' })
  t.notOk(alertOf('product'))
  t.match(active.find((a) => a.ruleId === 'services-down'), { status: 'firing', services: ['auth', 'cart', 'order'] })

  const fired = await waitFor(() => webhooks().find((w) => w.alerts.some((a) => a.service === 'auth' && a.notice === 'firing')), { timeoutMs: 30_000, message: () => `auth's firing on the webhook: ${out}` })
  t.equal(fired.kind, 'firing')
  const firedServices = webhooks().flatMap((w) => w.alerts.filter((a) => a.notice === 'firing').map((a) => a.service))
  t.notOk(firedServices.includes('order') || firedServices.includes('cart'), 'the dependants\' alerts are not sent')
  const failure = await waitFor(async () => (await get('/events?source=auth&type=service.failure')).events[0], { message: 'the failure event' })
  t.match(failure, { severity: 'ERROR', payload: { message: 'auth failed on demand' } })

  say('recover auth')
  await until(allUp, 'the five services up again')
  await waitFor(async () => (await get('/alerts?state=active')).length === 0, { timeoutMs: 30_000, message: 'every alert resolved' })
  const resolved = await waitFor(() => webhooks().find((w) => w.alerts.some((a) => a.service === 'auth' && a.notice === 'resolved')), { timeoutMs: 30_000, message: () => `auth's resolution on the webhook: ${out}` })
  t.ok(resolved)
  await waitFor(() => webhooks().some((w) => w.alerts.some((a) => a.service === null && a.notice === 'resolved')), { timeoutMs: 30_000, message: 'the aggregate alert resolved on the webhook' })
  const sentFor = webhooks().flatMap((w) => w.alerts.map((a) => a.service))
  t.notOk(sentFor.includes('order') || sentFor.includes('cart'), 'no resolution for alerts whose firing was never sent')

  say('quit')
  await new Promise<void>((resolve) => { if (fleet.exitCode !== null) resolve(); else fleet.once('exit', () => resolve()) })
  t.equal(fleet.exitCode, 0)
  t.match(out, /order closed: \{"queued":0,/, 'the stand-ins flush on shutdown')
})
