// The conformance test's credential proxy (test/fixtures/credential-proxy.ts): what the suite's verdicts
// rely on. It adds the credentials, keeps the client's Host and Origin (the DNS-rebinding scenario checks
// them), streams event streams as they come, and ends the upstream exchange when the client goes away.
import t from 'tap'
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'
import { startCredentialProxy } from '../fixtures/credential-proxy.js'
import { waitFor } from '../fixtures/wait.js'

const AUTH = 'Bearer proxy-test-token'

interface Teardown { teardown (fn: () => unknown): void }

interface Seen { method?: string, url?: string, headers: IncomingHttpHeaders, body: string }

/** An upstream that records each request; /events answers an event stream that stays open until closed. */
async function upstream (t: Teardown) {
  const seen: Seen[] = []
  let eventsClosed = 0
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body })
      if (req.url === '/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write('id: 1\ndata: first\n\n')
        res.on('close', () => { eventsClosed++ })
        return
      }
      res.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'yes' }).end('{"ok":true}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, eventsClosed: () => eventsClosed }
}

function send (url: string, opts: { method?: string, headers?: Record<string, string>, body?: string } = {}) {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers }, resolve)
    req.on('error', reject)
    req.end(opts.body)
  })
}

async function text (res: IncomingMessage) {
  let out = ''
  for await (const chunk of res) out += chunk
  return out
}

t.test('forwards the request with the Authorization added, Host and Origin as sent, and the answer as given', async (t) => {
  const target = await upstream(t)
  const proxy = await startCredentialProxy(t, target.url, AUTH)
  const res = await send(`${proxy.url}/mcp?x=1`, {
    method: 'POST',
    headers: { host: 'evil.example.com', origin: 'http://evil.example.com', authorization: 'Basic c3B5OnNweQ==', 'content-type': 'application/json' },
    body: '{"jsonrpc":"2.0"}',
  })
  t.equal(res.statusCode, 201)
  t.equal(res.headers['x-upstream'], 'yes')
  t.equal(await text(res), '{"ok":true}')
  t.match(target.seen, [{
    method: 'POST',
    url: '/mcp?x=1',
    body: '{"jsonrpc":"2.0"}',
    headers: { authorization: AUTH, host: 'evil.example.com', origin: 'http://evil.example.com', 'content-type': 'application/json' },
  }])
})

t.test('streams an event stream: the first event arrives while the stream is still open', async (t) => {
  const target = await upstream(t)
  const proxy = await startCredentialProxy(t, target.url, AUTH)
  const res = await send(`${proxy.url}/events`, { headers: { accept: 'text/event-stream' } })
  t.equal(res.headers['content-type'], 'text/event-stream')
  const [chunk] = await once(res, 'data') as [Buffer]
  t.equal(chunk.toString(), 'id: 1\ndata: first\n\n')
  t.equal(target.eventsClosed(), 0, 'the upstream stream is still open')

  res.destroy()
  await waitFor(() => target.eventsClosed() === 1, { message: 'the upstream event stream to close after the client left' })
  t.pass('a client that goes away closes the upstream exchange')
})

t.test('an unreachable target answers 502', async (t) => {
  const target = await upstream(t)
  const proxy = await startCredentialProxy(t, target.url.replace(/:\d+$/, ':1'), AUTH)
  const res = await send(`${proxy.url}/mcp`)
  t.equal(res.statusCode, 502)
  t.match(await text(res), /^credential proxy: /)
})
