// The SSRF proof, end to end: with 127.0.0.2 in MCP_OUTBOUND_DENY, every encoding of it is refused
// for the prober and for each channel type (webhook, Slack, Alertmanager, email), and a real listener
// on 127.0.0.2 accepts no connection. Names reach refused addresses through a resolver stub given to
// buildApp. Redirects to a refused address are not followed, and a failed send never echoes what the
// target answered. Control cases show that the same listener is reached when the guard lets it be.
import t from 'tap'
import { createServer } from 'node:http'
import https from 'node:https'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createSecureContext, type SecureContext } from 'node:tls'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import type { lookup as dnsLookup } from 'node:dns'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { createProber } from '../../src/domain/health/adapters/prober.js'
import { createTargetGuard } from '../../src/domain/shared/target-guard.js'
import { adminHeaders, tempDir, testConfig } from '../helper.js'
import { fast } from '../fixtures/notifier.js'
import { DENIED, DENIED_ENCODINGS, countingListener, resolverStub, urlHost } from '../fixtures/ssrf.js'

interface Teardown { teardown (fn: () => unknown): void }

const names = { 'internal.test': [DENIED], 'mixed.test': ['127.0.0.1', DENIED], 'receiver.test': ['127.0.0.1'] }
const lookup = resolverStub(names)
// the names that resolve to the refused address (alone, or among allowed ones)
const DENIED_NAMES = ['internal.test', 'mixed.test']

async function hub (t: Teardown, overrides: Partial<Config> = {}, stub: typeof dnsLookup = lookup) {
  const app = await buildApp(testConfig(tempDir(t), { ...fast, healthScheduler: false, ...overrides }), { lookup: stub })
  t.teardown(() => app.close())
  await app.ready()
  return app
}
const guarded = (t: Teardown, overrides: Partial<Config> = {}) => hub(t, { outboundDeny: [DENIED], ...overrides })

/** An HTTP receiver on 127.0.0.1 answering every request with `status`, `headers` and `body`. */
async function httpReceiver (t: Teardown, status: number, body = 'ok', headers: Record<string, string> = {}) {
  let requests = 0
  const server = createServer((req, res) => { requests++; req.resume(); res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(body) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { port: (server.address() as AddressInfo).port, requests: () => requests }
}

/** An SMTP server on 127.0.0.1; `reject` answers every message with 451 and that text. */
async function smtpReceiver (t: Teardown, reject?: string) {
  const mails: string[] = []
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData (stream, _session, cb) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        if (reject) return cb(Object.assign(new Error(reject), { responseCode: 451 }))
        mails.push(Buffer.concat(chunks).toString())
        cb()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { port: (server.server.address() as AddressInfo).port, mails }
}

const TYPES = ['webhook', 'slack', 'alertmanager', 'email'] as const
type ChannelType = typeof TYPES[number]

/** A channel of `type` aimed at `host` (as written in a host field) and `port`. */
function channel (type: ChannelType, id: string, host: string, port: number): Record<string, unknown> & { id: string } {
  const base = `http://${urlHost(host)}:${port}`
  switch (type) {
    case 'webhook': return { id, type, url: `${base}/hook` }
    case 'slack': return { id, type, url: `${base}/services/T000/B000/xyz` }
    case 'alertmanager': return { id, type, url: `${base}/` }
    case 'email': return { id, type, host, port, tls: 'none', from: 'mcp@example.test', to: ['oncall@example.test'] }
  }
}

type App = Awaited<ReturnType<typeof hub>>
async function createAndTest (app: App, body: Record<string, unknown> & { id: string }) {
  const created = await app.inject({ method: 'POST', url: '/notifications/channels', headers: adminHeaders, payload: body })
  if (created.statusCode !== 201) throw new Error(`creating ${body.id}: ${created.statusCode} ${created.body}`)
  const res = await app.inject({ method: 'POST', url: `/notifications/channels/${body.id}/test`, headers: adminHeaders })
  return { status: res.statusCode, result: res.json(), raw: res.body }
}

t.test('control: without the deny list, every routable encoding reaches the listener', async (t) => {
  const listener = await countingListener(t)
  const app = await hub(t)
  let i = 0
  for (const e of DENIED_ENCODINGS.filter((x) => x.routable)) {
    const before = listener.accepted()
    await createAndTest(app, channel('webhook', `control-${i++}`, e.host, listener.port))
    t.equal(listener.accepted(), before + 1, `${e.name} (${e.host}) connects to ${DENIED}`)
  }
  const before = listener.accepted()
  await createAndTest(app, channel('webhook', 'control-name', 'internal.test', listener.port))
  t.equal(listener.accepted(), before + 1, 'so does a name the resolver stub maps onto it')
})

t.test('every encoding and every name resolving to a denied address is refused for each channel type; nothing connects', async (t) => {
  const listener = await countingListener(t)
  const app = await guarded(t)
  const hosts = [...DENIED_ENCODINGS.map((e) => e.host), ...DENIED_NAMES]
  for (const type of TYPES) {
    let i = 0
    for (const host of hosts) {
      const { status, result } = await createAndTest(app, channel(type, `${type}-${i++}`, host, listener.port))
      t.equal(status, 200)
      t.match(result, { ok: false, statusCode: null, error: 'refused by the outbound guard: the target address is not allowed' }, `${type} to ${host} is refused`)
    }
  }
  t.equal(listener.accepted(), 0, `no connection reached ${DENIED} (${TYPES.length * hosts.length} sends tried)`)

  // the refusals are in the delivery log, with the same generic reason
  const log = (await app.inject({ url: '/notifications/deliveries?channel=email-1', headers: adminHeaders })).json()
  t.match(log, [{ kind: 'test', outcome: 'abandoned', error: 'refused by the outbound guard: the target address is not allowed' }], 'a test send is tried once')
})

t.test('with the guard on, an allowed name still delivers over HTTP and SMTP (connected by its checked IP)', async (t) => {
  const listener = await countingListener(t)
  const hook = await httpReceiver(t, 200)
  const smtp = await smtpReceiver(t)
  const app = await guarded(t)
  t.match((await createAndTest(app, channel('webhook', 'ok-hook', 'receiver.test', hook.port))).result, { ok: true, statusCode: 200 })
  t.equal(hook.requests(), 1)
  t.match((await createAndTest(app, channel('email', 'ok-mail', 'receiver.test', smtp.port))).result, { ok: true, statusCode: 250 })
  t.equal(smtp.mails.length, 1)
  t.match(smtp.mails[0], /test message/i)
  t.equal(listener.accepted(), 0)
})

t.test('MCP_CHANNEL_ALLOW narrows the channels, not the prober; a listed name is still refused when it resolves to a denied address', async (t) => {
  const hook = await httpReceiver(t, 200)
  const app = await guarded(t, { channelAllow: ['receiver.test', 'internal.test'] })
  t.match((await createAndTest(app, channel('webhook', 'by-name', 'receiver.test', hook.port))).result, { ok: true })
  t.match((await createAndTest(app, channel('webhook', 'by-ip', '127.0.0.1', hook.port))).result, { ok: false, error: /outbound guard/ })
  t.match((await createAndTest(app, channel('webhook', 'listed-denied', 'internal.test', hook.port))).result, { ok: false, error: /outbound guard/ })
  t.equal(hook.requests(), 1, 'only the allowed name reached the receiver')
  const svc = await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name: 'direct', url: `http://127.0.0.1:${hook.port}/` } })
  t.equal(svc.statusCode, 201, 'the prober has its own allow-list (MCP_PROBE_ALLOW, empty here)')
})

t.test('a channel never follows a redirect, to a denied address or anywhere', async (t) => {
  const listener = await countingListener(t)
  const toDenied = await httpReceiver(t, 302, '', { location: `http://${DENIED}:${listener.port}/hook` })
  const toSelf = await httpReceiver(t, 307, '', { location: '/elsewhere' })
  const app = await guarded(t)
  for (const [id, port] of [['redirect-denied', toDenied.port], ['redirect-self', toSelf.port]] as const) {
    const { result } = await createAndTest(app, channel('webhook', id, '127.0.0.1', port))
    t.match(result, { ok: false, statusCode: /^30[27]$/, error: /^HTTP 30[27] \(redirects are not followed\)$/ }, id)
  }
  t.equal(toSelf.requests(), 1, 'one request: the redirect to the same host was not followed either')
  t.equal(listener.accepted(), 0, 'the denied address was never contacted')
})

t.test('a channel test result never echoes what a failing target answered', async (t) => {
  const SECRET = 'ami-id=i-0abc secret-access-key=AKIAEXAMPLE'
  const failing = await httpReceiver(t, 500, SECRET)
  const okButTalkative = await httpReceiver(t, 200, SECRET)
  const smtp = await smtpReceiver(t, `mailbox busy; ${SECRET}`)
  const app = await guarded(t)
  for (const type of ['webhook', 'slack', 'alertmanager'] as const) {
    const { result, raw } = await createAndTest(app, channel(type, `fail-${type}`, '127.0.0.1', failing.port))
    t.match(result, { ok: false, statusCode: 500, error: 'HTTP 500' }, `${type}: status and nothing more`)
    t.notMatch(raw, /secret|AKIA|ami-id/i, `${type}: no part of the body`)
  }
  const ok = await createAndTest(app, channel('webhook', 'talkative', '127.0.0.1', okButTalkative.port))
  t.match(ok.result, { ok: true, statusCode: 200, error: null })
  t.notMatch(ok.raw, /secret|AKIA/i)
  const mail = await createAndTest(app, channel('email', 'fail-mail', 'receiver.test', smtp.port))
  t.match(mail.result, { ok: false, statusCode: 451, error: 'SMTP 451' }, 'email: the SMTP code, not the server text')
  t.notMatch(mail.raw, /secret|AKIA|mailbox busy/i)
  const refused = await createAndTest(app, channel('webhook', 'refused', '127.0.0.1', 1))
  t.match(refused.result, { ok: false, statusCode: null, error: 'connection refused (ECONNREFUSED)' }, 'a network failure: its class and code only')
  const log = await app.inject({ url: '/notifications/deliveries', headers: adminHeaders })
  t.notMatch(log.body, /secret|AKIA|mailbox busy/i, 'the delivery log keeps no body either')
  t.equal(log.json().length, 6, 'every attempt is logged')
})

t.test('metadata addresses, in any encoding, are refused as channel targets when written; nothing is stored', async (t) => {
  const app = await hub(t)
  const literals = ['169.254.169.254', '2852039166', '0xa9fea9fe', '025177524776', '::ffff:a9fe:a9fe', '64:ff9b::a9fe:a9fe', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254', 'metadata.google.internal']
  let i = 0
  for (const host of literals) {
    for (const type of TYPES) {
      const id = `meta-${i++}`
      const res = await app.inject({ method: 'POST', url: '/notifications/channels', headers: adminHeaders, payload: channel(type, id, host, 80) })
      t.equal(res.statusCode, 400, `${type} ${host}`)
      t.match(res.json(), { statusCode: 400, message: type === 'email' ? /^body\/host points at a cloud metadata address/ : /^body\/url points at a cloud metadata address/ })
      t.equal((await app.inject({ url: `/notifications/channels/${id}`, headers: adminHeaders })).statusCode, 404, 'not stored')
    }
  }
})

t.test('the prober: every encoding refused at definition, names at probe time, redirects hop by hop; nothing connects', async (t) => {
  const listener = await countingListener(t)
  const app = await guarded(t)
  // literals: refused when the service is defined, naming the field
  for (const e of DENIED_ENCODINGS) {
    for (const [kind, url] of [['http', `http://${urlHost(e.host)}:${listener.port}/`], ['tcp', `tcp://${urlHost(e.host)}:${listener.port}`]]) {
      const res = await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name: 'x', kind, url } })
      t.equal(res.statusCode, 400, url)
      t.match(res.json().message, /^body\/url: .*MCP_OUTBOUND_DENY/, url)
    }
  }
  // names and redirects: accepted as definitions, refused when probed
  const hopToDenied = await httpReceiver(t, 302, '', { location: `http://${DENIED}:${listener.port}/` })
  const hopToName = await httpReceiver(t, 301, '', { location: `http://internal.test:${listener.port}/` })
  const hopToNumber = await httpReceiver(t, 308, '', { location: `http://2130706434:${listener.port}/` })
  const defs = [
    ...DENIED_NAMES.map((n) => ({ name: `http-${n}`, url: `http://${n}:${listener.port}/` })),
    ...DENIED_NAMES.map((n) => ({ name: `tcp-${n}`, kind: 'tcp', url: `tcp://${n}:${listener.port}` })),
    { name: 'hop-denied', url: `http://127.0.0.1:${hopToDenied.port}/`, followRedirects: true },
    { name: 'hop-name', url: `http://127.0.0.1:${hopToName.port}/`, followRedirects: true },
    { name: 'hop-number', url: `http://127.0.0.1:${hopToNumber.port}/`, followRedirects: true },
  ]
  for (const d of defs) t.equal((await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: d })).statusCode, 201, d.name)
  const report = (await app.inject({ url: '/check-services?refresh=true', headers: adminHeaders })).json()
  for (const d of defs) {
    const s = report.services.find((x: { name: string }) => x.name === d.name)
    t.match(s, { state: 'down', lastCheck: { errorClass: 'blocked' } }, d.name)
  }
  t.equal(hopToDenied.requests() + hopToName.requests() + hopToNumber.requests(), 3, 'each first hop was made')

  // the prober itself, on literal targets that never passed a definition check: refused at connect
  const prober = createProber({ guard: createTargetGuard([], { deny: [DENIED] }), lookup })
  t.teardown(() => prober.close())
  for (const e of DENIED_ENCODINGS) {
    for (const kind of ['http', 'tcp'] as const) {
      const url = `${kind}://${urlHost(e.host)}:${listener.port}${kind === 'http' ? '/' : ''}`
      const r = await prober.probe({ kind, url, method: 'GET', headers: {}, body: null, expectedStatus: ['2xx'], bodyContains: null, json: [], followRedirects: false, timeout: 2000, degradedAfterMs: null, tlsExpiryDays: null })
      t.match(r, { verdict: 'down', errorClass: 'blocked' }, `${kind} ${e.name}`)
    }
  }
  t.equal(listener.accepted(), 0, `no probe reached ${DENIED}`)
})

t.test('MCP_CHANNEL_ALLOW and MCP_OUTBOUND_DENY are comma-separated lists; a bad entry fails the start, naming the variable', async (t) => {
  const config = loadConfig({ env: { MCP_CHANNEL_ALLOW: 'hooks.slack.com, *.example.com,10.1.0.0/16', MCP_OUTBOUND_DENY: '10.0.0.0/8,fd00::/8' }, overrides: { dataDir: tempDir(t), adminPassword: 'test-password-123' } })
  t.same(config.channelAllow, ['hooks.slack.com', '*.example.com', '10.1.0.0/16'])
  t.same(config.outboundDeny, ['10.0.0.0/8', 'fd00::/8'])
  t.same(loadConfig({ env: {}, overrides: { dataDir: tempDir(t), adminPassword: 'test-password-123' } }).outboundDeny, [], 'empty by default')
  await t.rejects(buildApp(testConfig(tempDir(t), { outboundDeny: ['intranet.example'] })), { name: 'ConfigError', message: /MCP_OUTBOUND_DENY/ })
  await t.rejects(buildApp(testConfig(tempDir(t), { channelAllow: ['10.0.0.0/40'] })), { name: 'ConfigError', message: /MCP_CHANNEL_ALLOW: "10.0.0.0\/40"/ })
})

t.test('TLS keeps the configured name: SNI and certificate checks use it, not the checked IP', async (t) => {
  const dir = tempDir(t)
  const keyFile = join(dir, 'key.pem')
  const certFile = join(dir, 'cert.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '30', '-subj', '/CN=receiver.test', '-addext', 'subjectAltName=DNS:receiver.test'], { stdio: 'ignore' })
  const key = readFileSync(keyFile)
  const cert = readFileSync(certFile)
  const sni: string[] = []
  const SNICallback = (name: string, cb: (err: Error | null, ctx?: SecureContext) => void) => { sni.push(`${name}`); cb(null, createSecureContext({ key, cert })) }
  const web = https.createServer({ key, cert, SNICallback }, (_req, res) => res.end('ok'))
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { web.closeAllConnections(); web.close(() => resolve()) }))
  const mail = new SMTPServer({ secure: true, key, cert, SNICallback, logger: false, disabledCommands: ['AUTH'] })
  mail.on('error', () => {}) // the client refusing the self-signed certificate closes the connection mid-handshake
  await new Promise<void>((resolve) => mail.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => mail.close(() => resolve())))

  const app = await guarded(t)
  const webResult = (await createAndTest(app, { id: 'tls-hook', type: 'webhook', url: `https://receiver.test:${(web.address() as AddressInfo).port}/hook` })).result
  const mailPort = (mail.server.address() as AddressInfo).port
  const mailResult = (await createAndTest(app, { id: 'tls-mail', type: 'email', host: 'receiver.test', port: mailPort, tls: 'implicit', from: 'mcp@example.test', to: ['oncall@example.test'] })).result
  t.same(sni, ['receiver.test', 'receiver.test'], 'both connections named receiver.test in their TLS hello, though made to 127.0.0.1')
  // the test's certificate is self-signed: verification against the name runs, and refuses it
  t.match(webResult, { ok: false, statusCode: null, error: /^TLS failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)$/ })
  t.match(mailResult, { ok: false, statusCode: null, error: /^TLS failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)$/ })
})
