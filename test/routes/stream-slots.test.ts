// The stream's slots: a bad Last-Event-ID is refused before a slot is taken, and a client whose replay
// fails, or who leaves during it, gives its slot back. (Before: five connects with a Last-Event-ID the
// store could not replay from held every slot, and every later client got 503.)
import t from 'tap'
import http from 'node:http'
import type net from 'node:net'
import { build, adminAuth } from '../helper.js'
import { waitFor } from '../fixtures/wait.js'
import { createStreamHub, decodeStreamId, type StreamSink } from '../../src/domain/stream/stream-hub.js'

async function listen (t: any, overrides = {}) {
  const { app } = await build(t, { healthScheduler: false, ...overrides })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as net.AddressInfo
  return { app, port }
}

/** Opens /stream; resolves with the status and the body read until the server ends it (or `keepOpen`). */
function connect (port: number, lastEventId?: string, keepOpen = false) {
  return new Promise<{ status: number, body: string, close: () => void }>((resolve, reject) => {
    const headers: Record<string, string> = { authorization: adminAuth, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }
    const req = http.get({ host: '127.0.0.1', port, path: '/stream', headers, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      const done = () => resolve({ status: res.statusCode!, body, close: () => req.destroy() })
      if (keepOpen && res.statusCode === 200) { res.once('data', done); return }
      res.on('data', (c: string) => { body += c })
      res.on('end', done)
      res.on('close', done)
    })
    req.on('error', reject)
  })
}

t.test('a bad Last-Event-ID is 400 before a slot is taken: five of them lock nobody out', async (t) => {
  const { app, port } = await listen(t, { streamMaxClients: 2 })
  const bad = ['event:99999999999999999999', 'garbage', 'event:1.event:2', 'event:-1', `event:1${'.audit:1'.repeat(20)}`]
  for (const id of bad) {
    const res = await connect(port, id)
    t.equal(res.status, 400, id.slice(0, 40))
    t.match(JSON.parse(res.body), { statusCode: 400, error: 'Bad Request', message: /^headers\/last-event-id / })
  }
  t.equal(app.stream.stats().clients, 0, 'no slot taken')
  const a = await connect(port, 'event:0', true)
  const b = await connect(port, undefined, true)
  t.teardown(() => { a.close(); b.close() })
  t.same([a.status, b.status], [200, 200], 'both slots free for good clients')
  t.equal((await connect(port)).status, 503, 'and the limit still holds')
})

t.test('a client whose replay fails is disconnected and its slot released', async (t) => {
  const { app, port } = await listen(t, { streamMaxClients: 2 })
  // a kind whose store fails on replay, registered through the hub's own API
  app.stream.register({ kind: 'broken', subscribe: () => () => {}, replay: async () => { throw new Error('the store is gone') } })
  for (let i = 0; i < 5; i++) {
    const res = await connect(port, 'broken:1')
    t.equal(res.status, 200, `connect ${i + 1}: the 200 is sent before the replay`)
  }
  await waitFor(() => app.stream.stats().clients === 0, { message: () => `clients: ${app.stream.stats().clients}` })
  t.equal(app.stream.stats().replayFailures, 5, 'each failure counted')
  const a = await connect(port, undefined, true)
  const b = await connect(port, undefined, true)
  t.teardown(() => { a.close(); b.close() })
  t.same([a.status, b.status], [200, 200], 'every slot is free again')
})

t.test('a client that leaves during its replay releases its slot', async (t) => {
  const { app, port } = await listen(t, { streamMaxClients: 1 })
  let release!: () => void
  const replaying = new Promise<void>((resolve) => { release = resolve })
  let started = false
  app.stream.register({
    kind: 'slow',
    subscribe: () => () => {},
    replay: async () => { started = true; await replaying; return [] },
  })
  t.teardown(() => release())
  const c = await connect(port, 'slow:1', true)
  t.equal(c.status, 200)
  await waitFor(() => started)
  t.equal(app.stream.stats().clients, 1)
  c.close()
  await waitFor(() => app.stream.stats().clients === 0, { message: () => `clients: ${app.stream.stats().clients}` })
  t.pass('released while its replay was still running')
  const next = await connect(port, undefined, true)
  t.teardown(() => next.close())
  t.equal(next.status, 200, 'the one slot is free')
})

t.test('the hub: replay failure and abort release the client; ids are strict', async (t) => {
  const hub = createStreamHub({ maxClients: 1, maxBufferedBytes: 1 << 20, heartbeatMs: 60_000, replayLimit: 10 })
  t.teardown(() => hub.close())
  let closed = 0
  const sink: StreamSink = { write: () => {}, bufferedBytes: () => 0, close: () => { closed++ } }
  hub.register({ kind: 'event', subscribe: () => () => {}, replay: async () => { throw new Error('boom') } })
  await t.rejects(hub.connect(sink, { lastEventId: 'event:3' }), /boom/)
  t.equal(hub.stats().clients, 0)
  t.equal(closed, 1, 'the sink was closed')
  const gone = new AbortController()
  gone.abort()
  await hub.connect(sink, { signal: gone.signal })
  t.equal(hub.stats().clients, 0, 'an aborted connection holds no slot')
  t.equal(decodeStreamId('event:9007199254740992'), null, 'not a safe integer')
  t.equal(decodeStreamId('event:1.event:2'), null, 'a kind twice')
  t.same([...decodeStreamId('event:9007199254740991.audit:0')!], [['event', 9007199254740991], ['audit', 0]])
})
