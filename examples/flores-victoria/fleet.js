// Five stand-in services of the Flores Victoria shop, built on the client kit (clients/node): each
// answers /health with the kit's handler (its dependencies checked over HTTP, as the real ones would),
// reports its business events to the hub, and can be failed on demand:
//   stdin:  fail product | recover product | status | quit
//   HTTP:   POST http://127.0.0.1:3002/fail, POST http://127.0.0.1:3002/recover (each service's own port)
// A small webhook receiver (port 5099) prints the hub's notifications as they arrive.
//
//   npm run build:client && node examples/flores-victoria/fleet.js
//
// Environment: MCP_HUB_URL (http://127.0.0.1:5050), MCP_INGEST_TOKEN (when the hub sets MCP_INGEST_TOKENS),
// FLEET_BASE_PORT (3001; 0 = any free port), FLEET_WEBHOOK_PORT (5099; 0 = any free port),
// FLEET_EVENT_INTERVAL_MS (2000).
import { createServer } from 'node:http'
import { createInterface } from 'node:readline'
import { createHealth, createHubClient } from '../../clients/node/dist/index.js'

const hubUrl = process.env.MCP_HUB_URL ?? 'http://127.0.0.1:5050'
const basePort = Number(process.env.FLEET_BASE_PORT ?? 3001)
const webhookPort = Number(process.env.FLEET_WEBHOOK_PORT ?? 5099)
const eventIntervalMs = Number(process.env.FLEET_EVENT_INTERVAL_MS ?? 2000)

// name, what it depends on (checked by its /health), and the business event it reports
const SHOP = [
  { name: 'auth', needs: [], event: 'auth.login', payload: (n) => ({ user: `customer-${n % 7}` }) },
  { name: 'product', needs: [], event: 'product.viewed', payload: (n) => ({ sku: ['rosa-roja', 'tulipan', 'girasol', 'orquidea'][n % 4] }) },
  { name: 'order', needs: ['auth', 'product'], event: 'order.created', payload: (n) => ({ order: `FV-${1000 + n}`, total: 19.9 + n % 5 * 10 }) },
  { name: 'cart', needs: ['auth'], event: 'cart.updated', payload: (n) => ({ cart: `c-${n % 5}`, items: 1 + n % 3 }) },
  { name: 'wishlist', needs: [], event: 'wishlist.added', payload: (n) => ({ sku: 'orquidea', customer: `customer-${n % 7}` }) },
]

const services = new Map()

function listen (server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server.address().port))
  })
}

async function startService (spec, port) {
  const state = { failed: false, port, url: '' }
  const hub = createHubClient({ url: hubUrl, token: process.env.MCP_INGEST_TOKEN, source: spec.name, flushIntervalMs: 500 })
  const health = createHealth({
    service: spec.name,
    version: '1.0.0',
    timeoutMs: 1000,
    checks: [
      { name: 'self', check: () => { if (state.failed) throw new Error('failed on demand') } },
      ...spec.needs.map((dep) => ({
        name: dep,
        check: async (signal) => (await fetch(`${services.get(dep).state.url}/health`, { signal })).ok,
      })),
    ],
  })
  const server = createServer((req, res) => {
    if (req.url === '/health') return health.express(req, res)
    if (req.method === 'POST' && (req.url === '/fail' || req.url === '/recover')) {
      setFailed(spec.name, req.url === '/fail')
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ service: spec.name, failed: state.failed }))
      return
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}')
  })
  state.port = await listen(server, port)
  state.url = `http://127.0.0.1:${state.port}`
  let n = 0
  const timer = setInterval(() => {
    if (!state.failed) hub.report({ type: spec.event, payload: spec.payload(n++), severity: 'info' })
  }, eventIntervalMs)
  services.set(spec.name, { spec, state, hub, server, timer })
  console.log(`${spec.name} listening at ${state.url}/health`)
}

function setFailed (name, failed) {
  const s = services.get(name)
  if (!s) { console.log(`no service ${name}: one of ${[...services.keys()].join(', ')}`); return }
  if (s.state.failed === failed) return
  s.state.failed = failed
  s.hub.report(failed
    ? { type: 'service.failure', severity: 'error', payload: { message: `${name} failed on demand` } }
    : { type: 'service.recovered', severity: 'info', payload: { message: `${name} recovered` } })
  console.log(`${name} ${failed ? 'failed' : 'recovered'}`)
}

function startWebhookReceiver () {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', () => {
      try {
        const msg = JSON.parse(body)
        const alerts = (msg.alerts ?? []).map((a) => ({ service: a.service, services: a.services, notice: a.notice, status: a.status, severity: a.severity }))
        console.log(`webhook ${msg.kind} ${JSON.stringify({ id: msg.id, title: msg.title, alerts })}`)
      } catch {
        console.log('webhook (not JSON)')
      }
      res.writeHead(204).end()
    })
  })
  return listen(server, webhookPort).then((port) => { console.log(`webhook receiver listening at http://127.0.0.1:${port}/hooks/mcp`); return server })
}

async function shutdown (webhook) {
  await Promise.all([...services.values()].map(async (s) => {
    clearInterval(s.timer)
    const { stats } = await s.hub.close(2000)
    console.log(`${s.spec.name} closed: ${JSON.stringify(stats)}`)
    s.server.close()
  }))
  webhook.close()
}

const webhook = await startWebhookReceiver()
for (const [i, spec] of SHOP.entries()) await startService(spec, basePort === 0 ? 0 : basePort + i)
console.log(`fleet ready, reporting to ${hubUrl}; commands: fail <service>, recover <service>, status, quit`)

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  void shutdown(webhook).then(() => process.exit(0))
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, name] = line.trim().split(/\s+/)
  if (cmd === 'fail' || cmd === 'recover') setFailed(name, cmd === 'fail')
  else if (cmd === 'status') for (const s of services.values()) console.log(`${s.spec.name} ${s.state.failed ? 'failed' : 'ok'} ${JSON.stringify(s.hub.stats())}`)
  else if (cmd === 'quit') stop()
  else if (cmd) console.log('commands: fail <service>, recover <service>, status, quit')
})
