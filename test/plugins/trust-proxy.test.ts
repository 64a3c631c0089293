// MCP_TRUST_PROXY: the proxies to trust (a hop count, or addresses/CIDRs), never `true`. The client
// address then cannot be chosen by the client: not for rate limits, lock-outs or the trail's clientIp.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { loadConfig, ConfigError } from '../../src/config.js'
import { build, adminHeaders, tempDir } from '../helper.js'

const wrong = { authorization: 'Basic ' + Buffer.from('admin:wrong').toString('base64') }
type App = Awaited<ReturnType<typeof build>>['app']

/** the address the hub sees, as the trail records it: an admin change's clientIp */
async function seenAs (app: App, remoteAddress: string, xff?: string) {
  const res = await app.inject({
    method: 'POST',
    url: '/audit',
    remoteAddress,
    headers: { ...adminHeaders, ...(xff ? { 'x-forwarded-for': xff } : {}) },
    payload: { actor: { type: 'user', id: 'u' }, action: 'probe.address', outcome: 'success' },
  })
  t.equal(res.statusCode, 201, res.body)
  return res.json().clientIp as string
}

t.test('the setting: a hop count or addresses/CIDRs; true refused at start, naming the variable', async (t) => {
  t.equal(loadConfig({ env: {} }).trustProxy, 0, 'no proxy by default')
  t.equal(loadConfig({ env: { MCP_TRUST_PROXY: 'false' } }).trustProxy, 0)
  t.equal(loadConfig({ env: { MCP_TRUST_PROXY: '1' } }).trustProxy, 1)
  t.same(loadConfig({ env: { MCP_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1, ::1, fd00::/8, loopback' } }).trustProxy, ['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8', 'loopback'])
  for (const [value, re] of [
    ['true', /^MCP_TRUST_PROXY: true would trust every peer/],
    ['TRUE', /^MCP_TRUST_PROXY: true would trust every peer/],
    ['10.0.0.0/33', /^MCP_TRUST_PROXY: "10.0.0.0\/33": the prefix length must be 0 to 32/],
    ['nginx', /^MCP_TRUST_PROXY: "nginx" is not an IP address or CIDR/],
    ['101', /^MCP_TRUST_PROXY: a hop count must be 0 to 100, got 101/],
  ] as const) {
    t.throws(() => loadConfig({ env: { MCP_TRUST_PROXY: value } }), re, value)
    t.throws(() => loadConfig({ env: { MCP_TRUST_PROXY: value } }), ConfigError)
  }
  const dir = tempDir(t)
  const file = join(dir, 'hub.yml')
  writeFileSync(file, 'trustProxy: true\n')
  t.throws(() => loadConfig({ env: { MCP_CONFIG: file } }), new RegExp(`^${file}: trustProxy: true would trust every peer`), 'in a config file too')
  writeFileSync(file, 'trustProxy: [10.0.0.0/8, 999.1.1.1]\n')
  t.throws(() => loadConfig({ env: { MCP_CONFIG: file } }), /trustProxy: "999.1.1.1" is not an IP address or CIDR/)
  writeFileSync(file, 'trustProxy: [10.0.0.0/8]\n')
  t.same(loadConfig({ env: { MCP_CONFIG: file } }).trustProxy, ['10.0.0.0/8'])
})

t.test('no proxy trusted (the default): X-Forwarded-For is ignored', async (t) => {
  const { app } = await build(t)
  t.equal(await seenAs(app, '203.0.113.9', '198.51.100.7'), '203.0.113.9')
})

t.test('trusted proxies by address: a spoofed header from an untrusted peer is ignored; through a proxy the right hop is the client', async (t) => {
  const { app } = await build(t, { trustProxy: ['10.0.0.0/8'] })
  t.equal(await seenAs(app, '203.0.113.9', '198.51.100.7'), '203.0.113.9', 'an untrusted peer cannot choose its address')
  t.equal(await seenAs(app, '10.0.0.5', '198.51.100.7'), '198.51.100.7', 'the proxy tells the client')
  t.equal(await seenAs(app, '10.0.0.5', '6.6.6.6, 198.51.100.7'), '198.51.100.7', 'what the client itself sent before the proxy is not believed')
  t.equal(await seenAs(app, '10.0.0.5', '6.6.6.6, 198.51.100.7, 10.0.0.6'), '198.51.100.7', 'a chain of trusted proxies is walked to the first untrusted hop')
})

t.test('a hop count: the client is that many hops back', async (t) => {
  const { app } = await build(t, { trustProxy: 1 })
  t.equal(await seenAs(app, '10.0.0.5', '6.6.6.6, 198.51.100.7'), '198.51.100.7')
  t.equal(await seenAs(app, '10.0.0.5'), '10.0.0.5', 'no header: the peer')
  const { app: two } = await build(t, { trustProxy: 2 })
  t.equal(await seenAs(two, '10.0.0.5', '6.6.6.6, 198.51.100.7, 10.0.0.6'), '198.51.100.7')
})

t.test('lock-outs, the rate limit and the failed-login trail use the derived address', async (t) => {
  const { app } = await build(t, { trustProxy: ['10.0.0.0/8'], loginFailureMax: 2, authAuditWindowMs: 100 })
  const via = (client: string, headers: Record<string, string> = wrong) => app.inject({ url: '/events', remoteAddress: '10.0.0.5', headers: { ...headers, 'x-forwarded-for': client } })
  // an attacker talking to the hub directly, claiming a victim's address each time
  for (let i = 0; i < 3; i++) await app.inject({ url: '/events', remoteAddress: '203.0.113.9', headers: { ...wrong, 'x-forwarded-for': '198.51.100.7' } })
  t.equal((await app.inject({ url: '/events', remoteAddress: '203.0.113.9', headers: adminHeaders })).statusCode, 429, 'the attacker locked itself out')
  t.equal((await via('198.51.100.7', adminHeaders)).statusCode, 200, 'not the victim it claimed to be')
  // through the proxy, each client is counted on its own
  for (let i = 0; i < 2; i++) t.equal((await via('198.51.100.20')).statusCode, 401)
  t.equal((await via('198.51.100.20', adminHeaders)).statusCode, 429, 'the guessing client is locked')
  t.equal((await via('198.51.100.21', adminHeaders)).statusCode, 200, 'another client behind the same proxy is not')
  t.same(app.auth.lockout.counts('10.0.0.5'), { address: 0, user: 0, token: 0 }, 'nothing counted against the proxy')
  let entries: Array<{ clientIp: string }> = []
  for (let i = 0; i < 100 && entries.length < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    entries = (await app.inject({ url: '/audit?action=auth.login_failed', headers: adminHeaders, remoteAddress: '127.0.0.1' })).json().entries
  }
  t.same(entries.map((e) => e.clientIp).sort(), ['198.51.100.20', '203.0.113.9'], 'the trail names the real clients')

  const { app: limited } = await build(t, { trustProxy: ['10.0.0.0/8'], rateLimitMax: 2 })
  const hit = (remoteAddress: string, xff: string) => limited.inject({ url: '/health', remoteAddress, headers: { 'x-forwarded-for': xff } })
  const direct = []
  for (let i = 0; i < 3; i++) direct.push((await hit('203.0.113.9', `198.51.100.${i}`)).statusCode)
  t.same(direct, [200, 200, 429], 'a direct client rotating the header is still one address')
  t.same([(await hit('10.0.0.5', '198.51.100.30')).statusCode, (await hit('10.0.0.5', '198.51.100.31')).statusCode, (await hit('10.0.0.5', '198.51.100.30')).statusCode], [200, 200, 200], 'clients behind the proxy have their own budgets')
})

t.test('over real HTTP: a header is believed only from a trusted proxy', async (t) => {
  for (const [trustProxy, expected] of [[['127.0.0.1'], '198.51.100.7'], [['10.0.0.0/8'], '127.0.0.1']] as const) {
    const { app } = await build(t, { trustProxy: [...trustProxy] })
    await app.listen({ host: '127.0.0.1', port: 0 })
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    const res = await fetch(base + '/audit', {
      method: 'POST',
      headers: { ...adminHeaders, 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.7' },
      body: JSON.stringify({ actor: { type: 'user', id: 'u' }, action: 'probe.address', outcome: 'success' }),
    })
    t.equal(res.status, 201)
    t.equal((await res.json()).clientIp, expected, `trusting ${trustProxy.join(',')}`)
  }
})
