// POST /events as services written against the original design call it: {type, payload, timestamp}.
import t from 'tap'
import { build, adminHeaders } from '../helper.js'

/** `depth` levels of objects around a scalar */
const nest = (depth: number): unknown => {
  let v: unknown = 1
  for (let i = 0; i < depth; i++) v = { a: v }
  return v
}

t.test("the original design's event is stored, its timestamp the event's time, and read back", async (t) => {
  const { app } = await build(t)
  // the exact body of the original design's context structure
  const res = await app.inject({ method: 'POST', url: '/events', payload: { type: 'error', payload: { message: 'Connection failed' }, timestamp: 1234567890 } })
  t.equal(res.statusCode, 201)
  const got = await app.inject({ url: `/events/${res.json().id}`, headers: adminHeaders })
  t.match(got.json(), { type: 'error', payload: { message: 'Connection failed' }, time: '1970-01-15T06:56:07.890Z', attributes: null })
  // the registration flow's body: no timestamp at all
  const bare = await app.inject({ method: 'POST', url: '/events', payload: { type: 'order.created', payload: { orderId: 1 } } })
  t.equal(bare.statusCode, 201)
  t.equal(bare.json().time, null)
  // Date.now() and RFC 3339, single and in a batch
  const now = Date.now()
  const batch = await app.inject({ method: 'POST', url: '/events', payload: [{ type: 'a', payload: {}, timestamp: now }, { type: 'b', payload: {}, timestamp: '2026-12-03T10:00:00+01:00' }] })
  t.equal(batch.statusCode, 207)
  t.equal(batch.json().rejected.length, 0)
  const page = (await app.inject({ url: '/events?limit=2', headers: adminHeaders })).json()
  t.same(page.events.map((e: { type: string, time: string }) => [e.type, e.time]), [['b', '2026-12-03T10:00:00+01:00'], ['a', new Date(now).toISOString()]])
})

t.test('payload is any JSON value, stored and read back as sent', async (t) => {
  const { app } = await build(t)
  const values: unknown[] = [{ k: [1, { x: null }] }, [1, 'two', false], 'Connection failed', 42.5, 0, true, false, null, {}, []]
  const ids: string[] = []
  for (const payload of values) {
    const res = await app.inject({ method: 'POST', url: '/events', payload: { type: 'any', payload, timestamp: 1234567890 } })
    t.equal(res.statusCode, 201, JSON.stringify(payload))
    t.same(res.json().payload, payload, `answered ${JSON.stringify(payload)}`)
    ids.push(res.json().id)
  }
  for (let i = 0; i < ids.length; i++) {
    t.same((await app.inject({ url: `/events/${ids[i]}`, headers: adminHeaders })).json().payload, values[i], `read back ${JSON.stringify(values[i])}`)
  }
  const listed = (await app.inject({ url: '/events?type=any&limit=100', headers: adminHeaders })).json().events
  t.same(listed.map((e: { payload: unknown }) => e.payload).reverse(), values, 'GET /events answers every kind of payload')
})

t.test('severity: any case, and the aliases error, warn, warning, critical', async (t) => {
  const { app } = await build(t)
  const cases: Array<[string, string]> = [['error', 'ERROR'], ['Error', 'ERROR'], ['warn', 'WARN'], ['warning', 'WARN'], ['WARNING', 'WARN'], ['critical', 'FATAL'], ['info', 'INFO'], ['debug2', 'DEBUG2'], ['FATAL', 'FATAL']]
  for (const [sent, stored] of cases) {
    const res = await app.inject({ method: 'POST', url: '/events', payload: { type: 'sev', severity: sent } })
    t.equal(res.statusCode, 201, sent)
    t.equal(res.json().severity, stored, `${sent} is stored as ${stored}`)
  }
  // the mapped severity orders: critical counts as at least ERROR
  const errorsUp = (await app.inject({ url: '/events?minSeverity=ERROR&limit=100', headers: adminHeaders })).json().events
  t.same(errorsUp.map((e: { severity: string }) => e.severity).sort(), ['ERROR', 'ERROR', 'FATAL', 'FATAL'])
  const bad = await app.inject({ method: 'POST', url: '/events', payload: { type: 'sev', severity: 'loud' } })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().message, /body\/severity must be one of .*warning, critical/)
  t.equal(await app.events.count(), cases.length)
})

t.test('unknown top-level fields are kept under attributes, bounded in count and size', async (t) => {
  const { app } = await build(t, { eventAttributesMax: 3, eventAttributesMaxBytes: 300 })
  const res = await app.inject({ method: 'POST', url: '/events', payload: { type: 'order.failed', payload: { id: 7 }, timestamp: 1234567890, service: 'order', region: 'eu', attributes: { retries: 2 } } })
  t.equal(res.statusCode, 201)
  t.same(res.json().attributes, { retries: 2, service: 'order', region: 'eu' })
  const read = (await app.inject({ url: `/events/${res.json().id}`, headers: adminHeaders })).json()
  t.same(read.attributes, { retries: 2, service: 'order', region: 'eu' })
  t.same((await app.inject({ url: '/events', headers: adminHeaders })).json().events[0].attributes, read.attributes, 'GET /events answers them too')
  const refused: Array<[unknown, RegExp]> = [
    [{ type: 'x', a: 1, b: 2, c: 3, d: 4 }, /body\/attributes holds 4 fields .* the limit is 3 \(MCP_EVENT_ATTRIBUTES_MAX\)/],
    [{ type: 'x', a: 1, attributes: { b: 2, c: 3, d: 4 } }, /MCP_EVENT_ATTRIBUTES_MAX\)/],
    [{ type: 'x', note: 'y'.repeat(400) }, /body\/attributes is \d+ bytes; the limit is 300 \(MCP_EVENT_ATTRIBUTES_MAX_BYTES\)/],
    [{ type: 'x', region: 'eu', attributes: { region: 'us' } }, /body\/region is both a top-level field and an attribute/],
    [{ type: 'x', attributes: [1] }, /body\/attributes/],
  ]
  for (const [body, message] of refused) {
    const bad = await app.inject({ method: 'POST', url: '/events', payload: body as object })
    t.equal(bad.statusCode, 400, JSON.stringify(body).slice(0, 60))
    t.match(bad.json(), { statusCode: 400, error: 'Bad Request', message })
  }
  t.equal(await app.events.count(), 1, 'nothing refused was stored')
  // the OpenAPI document shows them
  const doc = (await app.inject({ url: '/docs/json' })).json()
  t.ok(doc.components.schemas.Event.properties.attributes, 'Event has attributes')
  t.ok(doc.components.schemas.EventInput.properties.timestamp, 'EventInput has timestamp')
})

t.test('still refused with a clear message: a missing type, an oversized event, a bad time; an empty batch', async (t) => {
  const { app } = await build(t, { eventMaxBytes: 2048, bodyLimit: 64 * 1024 })
  const post = (payload: string) => app.inject({ method: 'POST', url: '/events', payload, headers: { 'content-type': 'application/json' } })
  const cases: Array<[string, number, RegExp]> = [
    [JSON.stringify({ payload: { message: 'x' }, timestamp: 1234567890 }), 400, /body\/type is required/],
    [JSON.stringify({ type: 'x', payload: 'y'.repeat(3000) }), 400, /body\/payload is \d+ bytes; the limit is 2048 \(MCP_EVENT_MAX_BYTES\)/],
    [JSON.stringify({ type: 'x', payload: 'y'.repeat(70 * 1024) }), 413, /too large/i],
    [JSON.stringify({ type: 'x', timestamp: 'yesterday' }), 400, /body\/timestamp must be an RFC 3339 date-time/],
    [JSON.stringify({ type: 'x', timestamp: -1 }), 400, /body\/timestamp is out of range/],
    [JSON.stringify({ type: 'x', timestamp: 253402300800000 }), 400, /body\/timestamp is out of range/],
    ['{"type": "x", "timestamp": 1e309}', 400, /body\/timestamp must be an integer/],
    [JSON.stringify({ type: 'x', timestamp: 1.5 }), 400, /body\/timestamp must be an integer/],
    [JSON.stringify({ type: 'x', timestamp: '2026-02-30T00:00:00Z' }), 400, /body\/timestamp is not a valid date-time/],
    [JSON.stringify({ type: 'x', timestamp: true }), 400, /body\/timestamp must be epoch milliseconds/],
    [JSON.stringify({ type: 'x', time: '1969-12-31T00:00:00Z' }), 400, /body\/time is out of range/],
    [JSON.stringify({ type: 'x', time: '2026-01-01T00:00:00Z', timestamp: 1 }), 400, /body\/timestamp and body\/time are the same field/],
    ['[]', 400, /body is an empty batch/],
  ]
  for (const [payload, status, message] of cases) {
    const res = await post(payload)
    t.equal(res.statusCode, status, `${payload.slice(0, 60)} → ${status}`)
    t.match(res.json(), { statusCode: status, error: String, message }, res.json().message)
  }
  t.equal(await app.events.count(), 0, 'nothing stored')
})

t.test('a payload or attributes nested deeper than 32 levels is refused; in a batch only that item', async (t) => {
  const { app } = await build(t)
  const ok = await app.inject({ method: 'POST', url: '/events', payload: { type: 'deep.ok', payload: nest(32) } })
  t.equal(ok.statusCode, 201, '32 levels pass')
  const deep = await app.inject({ method: 'POST', url: '/events', payload: { type: 'deep', payload: nest(33) } })
  t.equal(deep.statusCode, 400)
  t.match(deep.json().message, /body\/payload is nested deeper than 32 levels/)
  const deepAttr = await app.inject({ method: 'POST', url: '/events', payload: { type: 'deep', extra: nest(32) } })
  t.equal(deepAttr.statusCode, 400, 'an unknown field one level down in attributes')
  t.match(deepAttr.json().message, /body\/attributes is nested deeper than 32 levels/)
  // far deeper than any recursion would survive: still a 400
  const abyss = await app.inject({ method: 'POST', url: '/events', headers: { 'content-type': 'application/json' }, payload: `{"type":"abyss","payload":${'['.repeat(50_000)}${']'.repeat(50_000)}}` })
  t.equal(abyss.statusCode, 400)
  t.match(abyss.json().message, /body\/payload is nested deeper/)
  const batch = await app.inject({ method: 'POST', url: '/events', payload: [{ type: 'a' }, { type: 'b', payload: nest(40) }, { type: 'c', payload: [nest(31)] }] })
  t.equal(batch.statusCode, 207)
  t.same(batch.json().accepted.map((a: { index: number }) => a.index), [0, 2])
  t.same(batch.json().rejected, [{ index: 1, message: 'body/1/payload is nested deeper than 32 levels (the JSON depth bound)' }])
  t.equal(await app.events.count(), 3)
})
