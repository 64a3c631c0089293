import t from 'tap'
import http from 'node:http'
import net from 'node:net'
import { build, adminAuth } from '../helper.js'
import { waitFor, fakeClock } from '../fixtures/wait.js'
import { createStreamHub, decodeStreamId, encodeStreamId, type StreamSink } from '../../src/domain/stream/stream-hub.js'

interface Frame { id?: string, event?: string, data?: { type: string, seq: number, data: any } }

/** A minimal SSE client over node:http: collects frames and comments. */
function sse (url: string, headers: Record<string, string> = {}) {
  const frames: Frame[] = []
  const comments: string[] = []
  let status = 0
  let buf = ''
  let req: http.ClientRequest
  let ended = false
  const ready = new Promise<void>((resolve, reject) => {
    req = http.get(url, { headers: { authorization: adminAuth, ...headers } }, (res) => {
      status = res.statusCode!
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buf += chunk
        let i
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i)
          buf = buf.slice(i + 2)
          const f: Frame = {}
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim())
            else if (line.startsWith('id: ')) f.id = line.slice(4)
            else if (line.startsWith('event: ')) f.event = line.slice(7)
            else if (line.startsWith('data: ')) f.data = JSON.parse(line.slice(6))
          }
          if (f.event) frames.push(f)
        }
      })
      res.on('end', () => { ended = true })
      resolve()
    })
    req.on('error', reject)
  })
  return {
    ready,
    frames,
    comments,
    get status () { return status },
    get ended () { return ended },
    close () { req.destroy() },
  }
}

/** For waitFor: what is awaited, and the frames the client has when the wait times out. */
const frames = (c: { frames: Frame[] }, n: number) => () => `${n} frame(s); got ${c.frames.length}, the last ${JSON.stringify(c.frames.slice(-10).map((f) => f.id))}`

async function listen (t: any, overrides = {}) {
  const { app } = await build(t, overrides)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as net.AddressInfo
  return { app, base: `http://127.0.0.1:${port}` }
}

const post = (app: any, payload: unknown) => app.inject({ method: 'POST', url: '/events', payload })

t.test('stream ids encode the position in each kind', async (t) => {
  const pos = new Map([['event', 12], ['audit', 3]])
  t.equal(encodeStreamId(pos), 'event:12.audit:3')
  t.same([...decodeStreamId('event:12.audit:3')!], [...pos])
  t.equal(decodeStreamId('garbage'), null)
  t.equal(decodeStreamId(undefined), null)
})

t.test('new events arrive live, with ids and types', async (t) => {
  const { app, base } = await listen(t)
  const c = sse(`${base}/stream`)
  t.teardown(() => c.close())
  await c.ready
  t.equal(c.status, 200)
  await post(app, { type: 'order.created', payload: { n: 1 } })
  await waitFor(() => c.frames.length === 1, { message: frames(c, 1) })
  t.match(c.frames[0], { event: 'event', id: /^event:\d+$/, data: { type: 'order.created', data: { payload: { n: 1 } } } })
})

t.test('Last-Event-ID replays what was missed, then goes on live, without duplicates', async (t) => {
  const { app, base } = await listen(t)
  const ids: number[] = []
  for (let i = 0; i < 5; i++) ids.push((await post(app, { type: 'r', payload: { i } })).json().seq)
  const c = sse(`${base}/stream`, { 'last-event-id': `event:${ids[1]}` })
  t.teardown(() => c.close())
  await c.ready
  await waitFor(() => c.frames.length === 3, { message: frames(c, 3) })
  t.same(c.frames.map((f) => f.data!.seq), ids.slice(2))
  await post(app, { type: 'r', payload: { i: 5 } })
  await waitFor(() => c.frames.length === 4, { message: frames(c, 4) })
  t.same(c.frames.map((f) => f.data!.data.payload.i), [2, 3, 4, 5])
  t.equal(c.frames[3].id, `event:${c.frames[3].data!.seq}`)
})

t.test('filters by kind and type; unknown kinds refused', async (t) => {
  const { app, base } = await listen(t)
  const c = sse(`${base}/stream?kinds=event&types=keep.me`)
  t.teardown(() => c.close())
  await c.ready
  await post(app, [{ type: 'drop.me' }, { type: 'keep.me' }, { type: 'drop.me' }])
  // a last matching event: frames come in order, so once it is here a dropped one would have come before it
  await post(app, { type: 'keep.me', payload: { last: true } })
  await waitFor(() => c.frames.length === 2, { message: frames(c, 2) })
  t.same(c.frames.map((f) => f.data!.type), ['keep.me', 'keep.me'])
  t.same(c.frames[1].data!.data.payload, { last: true })
  const bad = await app.inject({ url: '/stream?kinds=nope', headers: { authorization: adminAuth } })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().message, /querystring\/kinds: unknown kind nope/)
  t.equal((await app.inject({ url: '/stream' })).statusCode, 401)
})

t.test('heartbeats keep idle connections open', async (t) => {
  const { base } = await listen(t, { streamHeartbeatMs: 100 })
  const c = sse(`${base}/stream`)
  t.teardown(() => c.close())
  await c.ready
  const beats = () => c.comments.filter((x) => x === 'heartbeat').length
  await waitFor(() => beats() >= 2, { timeoutMs: 3000, message: () => `two heartbeats; comments: ${JSON.stringify(c.comments)}` })
  t.equal(c.status, 200)
  t.ok(beats() >= 2, `${beats()} heartbeats on the idle connection`)
  t.same(c.frames, [], 'heartbeats are comments, not events')
  t.notOk(c.ended, 'the idle connection is still open')
})

t.test('the hub writes a heartbeat to every client each interval, and stops on close', async (t) => {
  const clock = fakeClock(t, { apis: ['setInterval'] })
  const hub = createStreamHub({ maxClients: 10, maxBufferedBytes: 1024 * 1024, heartbeatMs: 15_000, replayLimit: 100 })
  const sink = () => {
    const chunks: string[] = []
    const s: StreamSink & { beats (): number } = {
      write: (chunk) => { chunks.push(chunk) },
      bufferedBytes: () => 0,
      close: () => {},
      beats: () => chunks.filter((x) => x === ': heartbeat\n\n').length,
    }
    return s
  }
  const a = sink()
  const b = sink()
  await hub.connect(a)
  await hub.connect(b)
  await clock.advance(14_999, 1000)
  t.equal(a.beats(), 0, 'nothing before the interval')
  await clock.advance(1)
  t.same([a.beats(), b.beats()], [1, 1], 'one heartbeat each at the interval')
  await clock.advance(30_000, 1000)
  t.same([a.beats(), b.beats()], [3, 3], 'then one per interval')
  hub.close()
  await clock.advance(60_000, 1000)
  t.equal(a.beats(), 3, 'none after the hub closed')
})

t.test('the connection limit answers 503 with Retry-After', async (t) => {
  const { base } = await listen(t, { streamMaxClients: 2 })
  const a = sse(`${base}/stream`)
  const b = sse(`${base}/stream`)
  t.teardown(() => { a.close(); b.close() })
  await Promise.all([a.ready, b.ready])
  const res = await fetch(`${base}/stream`, { headers: { authorization: adminAuth } })
  t.equal(res.status, 503)
  t.equal(res.headers.get('retry-after'), '10')
  t.match(await res.json(), { statusCode: 503, message: /at most 2 clients/ })
})

t.test('a client too slow to keep up is disconnected and counted; memory does not grow', async (t) => {
  // the bound is above one batch's burst (20 × 16 KiB) and far below what the stalled client is sent
  const { app, base } = await listen(t, { streamBufferBytes: 1024 * 1024 })
  const { port } = new URL(base)
  // a client that sends its request and then never reads
  const sock = net.connect(Number(port), '127.0.0.1')
  t.teardown(() => sock.destroy())
  await new Promise<void>((resolve) => sock.once('connect', () => resolve()))
  sock.write(`GET /stream HTTP/1.1\r\nHost: x\r\nAuthorization: ${adminAuth}\r\n\r\n`)
  sock.pause()
  const fast = sse(`${base}/stream`)
  t.teardown(() => fast.close())
  await fast.ready
  await waitFor(() => app.stream.stats().clients === 2, { message: () => `both clients connected (${app.stream.stats().clients})` })
  t.equal(app.stream.stats().clients, 2)
  const blob = 'x'.repeat(16 * 1024)
  for (let i = 0; i < 40; i++) await post(app, Array.from({ length: 20 }, (_, j) => ({ type: 'big', payload: { i, j, blob } })))
  await waitFor(() => fast.frames.length === 800, { message: frames(fast, 800), timeoutMs: 15_000 })
  t.equal(app.stream.stats().slowDisconnects, 1, 'the slow client was cut off')
  t.equal(app.stream.stats().clients, 1, 'the fast client stays')
  const { peakBufferedBytes } = app.stream.stats()
  t.ok(peakBufferedBytes <= 1024 * 1024, `at most ${peakBufferedBytes} bytes ever waited in memory for one client, of ~13 MiB sent to a stalled one`)
})

t.test('service state changes stream live and replay from the stream log', async (t) => {
  const { app, base } = await listen(t)
  const c = sse(`${base}/stream?kinds=state`)
  t.teardown(() => c.close())
  await c.ready
  const transition = (service: string, to: 'down' | 'up') => app.bus.publish('service.transition', { service, tags: [], dependsOn: [], from: to === 'down' ? 'up' : 'down', to, at: new Date().toISOString(), cause: to === 'down' ? 'timeout' : null, incidentId: null })
  transition('order', 'down')
  await waitFor(() => c.frames.length === 1, { message: frames(c, 1) })
  t.match(c.frames[0], { event: 'state', id: /^state:\d+$/, data: { type: 'down', data: { service: 'order', cause: 'timeout' } } })
  transition('order', 'up')
  transition('cart', 'down')
  await waitFor(() => c.frames.length === 3, { message: frames(c, 3) })
  const again = sse(`${base}/stream?kinds=state`, { 'last-event-id': c.frames[0].id! })
  t.teardown(() => again.close())
  await again.ready
  await waitFor(() => again.frames.length === 2, { message: frames(again, 2) })
  t.same(again.frames.map((f) => [f.data!.data.service, f.data!.type]), [['order', 'up'], ['cart', 'down']])
})

t.test('audit entries stream live and replay from the trail', async (t) => {
  const { app, base } = await listen(t)
  const entry = (action: string) => ({ actor: { type: 'agent', id: 'agent-7' }, action, target: { type: 'order', id: '42' }, outcome: 'success' })
  const first = await app.inject({ method: 'POST', url: '/audit', headers: { authorization: adminAuth }, payload: entry('order.refund') })
  t.equal(first.statusCode, 201)
  const c = sse(`${base}/stream?kinds=audit`, { 'last-event-id': 'audit:0' })
  t.teardown(() => c.close())
  await c.ready
  await waitFor(() => c.frames.length === 1, { message: frames(c, 1) })
  await app.inject({ method: 'POST', url: '/audit', headers: { authorization: adminAuth }, payload: entry('order.cancel') })
  await waitFor(() => c.frames.length === 2, { message: frames(c, 2) })
  t.same(c.frames.map((f) => f.data!.type), ['order.refund', 'order.cancel'])
  t.match(c.frames[1], { event: 'audit', id: /^audit:\d+$/, data: { data: { actor: { id: 'agent-7' }, hash: /^[0-9a-f]{64}$/ } } })
})
