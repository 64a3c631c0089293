// POST /v1/logs driven by the real OpenTelemetry JS SDK (sdk-logs with the OTLP http/json and proto
// exporters, gzip or not) against a hub listening on 127.0.0.1:0; the records are read back through
// GET /events. Malformed bodies, partial successes, auth and the rate limit through real HTTP too.
import t from 'tap'
import { gzipSync } from 'node:zlib'
import protobuf from 'protobufjs'
import { trace, context, TraceFlags } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { LoggerProvider, SimpleLogRecordProcessor, InMemoryLogRecordExporter, type ReadableLogRecord, type LogRecordExporter } from '@opentelemetry/sdk-logs'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPLogExporter as ProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { build, adminHeaders } from '../helper.js'
import { decodeLogsResponse, decodeStatus, encodeLogsRequest } from '../../src/domain/otlp/otlp-codec.js'
import type { Config } from '../../src/config.js'

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c'
const SPAN_ID = 'b7ad6b7169203331'

async function listen (t: Parameters<typeof build>[0], overrides: Partial<Config> = {}) {
  const { app } = await build(t, overrides)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  return { app, base: `http://127.0.0.1:${port}` }
}

/** Log records as the SDK builds them, for one service. */
function recordsOf (serviceName: string, emit: (logger: ReturnType<LoggerProvider['getLogger']>) => void): ReadableLogRecord[] {
  const memory = new InMemoryLogRecordExporter()
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'deployment.environment': 'test' }),
    processors: [new SimpleLogRecordProcessor({ exporter: memory })],
  })
  emit(provider.getLogger('checkout-lib', '1.2.3'))
  return memory.getFinishedLogRecords()
}

/** Exports through a real OTLP exporter and resolves with its result (code 0: success). */
const exportWith = (exporter: LogRecordExporter, records: ReadableLogRecord[]) =>
  new Promise<{ code: number, error?: Error }>((resolve) => exporter.export(records, resolve))

const spanContext = trace.setSpanContext(context.active(), { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED })

const emitThree = (tag: string) => (logger: ReturnType<LoggerProvider['getLogger']>) => {
  logger.emit({
    eventName: 'order.created',
    severityNumber: SeverityNumber.WARN,
    severityText: 'Warning',
    timestamp: new Date('2026-11-25T10:00:00.123Z'),
    body: { orderId: 7, lines: [1, 2], tag },
    attributes: { 'log.record.uid': `uid-${tag}`, region: 'eu', retries: 3 },
    context: spanContext,
  })
  logger.emit({ severityText: 'error', body: `plain text ${tag}`, attributes: { 'event.name': 'payment.failed' } })
  logger.emit({ body: `no name ${tag}` })
}

const events = async (app: Awaited<ReturnType<typeof listen>>['app'], query = '') =>
  (await app.inject({ url: `/events?limit=1000${query}`, headers: adminHeaders })).json().events as Array<Record<string, any>>

/** An AnyValue of kvlists nested `depth` levels. */
function deepKvlist (depth: number) {
  let value: Record<string, unknown> = { stringValue: 'bottom' }
  for (let i = 0; i < depth; i++) value = { kvlistValue: { values: [{ key: 'k', value }] } }
  return value
}

const EXPORTERS = [
  ['http/json', (url: string) => new JsonExporter({ url })],
  ['http/json gzip', (url: string) => new JsonExporter({ url, compression: 'gzip' as never })],
  ['http/protobuf', (url: string) => new ProtoExporter({ url })],
  ['http/protobuf gzip', (url: string) => new ProtoExporter({ url, compression: 'gzip' as never })],
] as const

for (const [name, exporterFor] of EXPORTERS) {
  t.test(`the SDK's ${name} exporter: each record becomes an event with the documented mapping`, async (t) => {
    const { app, base } = await listen(t)
    const exporter = exporterFor(`${base}/v1/logs`)
    t.teardown(() => exporter.shutdown())
    const tag = name.replace(/\W/g, '-')
    const result = await exportWith(exporter, recordsOf('checkout', emitThree(tag)))
    t.equal(result.code, 0, `exported (${result.error?.message ?? 'no error'})`)

    const stored = await events(app, '&source=checkout')
    t.equal(stored.length, 3)
    const [named, fallback, plain] = ['order.created', 'payment.failed', 'log'].map((type) => stored.find((e) => e.type === type)!)
    t.match(named, {
      source: 'checkout',
      severity: 'WARN',
      time: '2026-11-25T10:00:00.123000000Z',
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
      producerId: `uid-${tag}`,
      payload: {
        body: { orderId: 7, lines: [1, 2], tag },
        attributes: { region: 'eu', retries: 3, 'log.record.uid': `uid-${tag}` },
        severityText: 'Warning',
        resource: { 'service.name': 'checkout', 'deployment.environment': 'test' },
        scope: { name: 'checkout-lib', version: '1.2.3' },
      },
    })
    t.match(fallback, { severity: 'ERROR', traceparent: null, producerId: null, payload: { body: `plain text ${tag}`, attributes: { 'event.name': 'payment.failed' } } })
    t.equal(fallback.payload.severityText, 'error', 'the text as sent is kept when it differs from the stored one')
    t.match(plain, { severity: null, payload: { body: `no name ${tag}` } })
    // the SDK stamps no timestamp of its own on these: the observed time stands in
    t.match(plain.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/)
    t.ok(Math.abs(Date.parse(plain.time) - Date.now()) < 60_000, 'the observed time is now')

    // idempotency: the record with a log.record.uid is stored once; the others have no producer id
    t.equal((await exportWith(exporter, recordsOf('checkout', emitThree(tag)))).code, 0)
    const again = await events(app, '&source=checkout')
    t.equal(again.filter((e) => e.type === 'order.created').length, 1, 'the record with log.record.uid is stored once')
    t.equal(again.length, 5, 'records without one are stored again')
  })
}

t.test('a protobuf request gets a protobuf answer, a JSON request a JSON one', async (t) => {
  const { app, base } = await listen(t)
  const request = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'hi' } }] }] }] }
  const proto = await fetch(`${base}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeLogsRequest(request) })
  t.equal(proto.status, 200)
  t.equal(proto.headers.get('content-type'), 'application/x-protobuf')
  t.same(decodeLogsResponse(new Uint8Array(await proto.arrayBuffer())), {}, 'an empty ExportLogsServiceResponse: all accepted')
  const json = await fetch(`${base}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) })
  t.equal(json.status, 200)
  t.match(json.headers.get('content-type'), /^application\/json/)
  t.same(await json.json(), {})

  // a JSON number of nanoseconds (precision lost past 2^53, as the producer's JSON already did) is read too
  const numeric = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: 1764756000123000000, body: { stringValue: 'numeric' } }] }] }] }
  const res = await fetch(`${base}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(numeric) })
  t.same(await res.json(), {})
  const stored = (await events(app)).find((e) => e.payload.body === 'numeric')
  t.match(stored, { type: 'log', payload: { body: 'numeric' }, time: /^2025-12-03T10:00:00\.12\d{7}Z$/ })
})

t.test('malformed protobuf, JSON and gzip get 400 naming the problem, in the request encoding, and store nothing', async (t) => {
  const { app, base } = await listen(t)
  const post = (body: Uint8Array | string, headers: Record<string, string>) => fetch(`${base}/v1/logs`, { method: 'POST', headers, body })
  const proto = { 'content-type': 'application/x-protobuf' }
  const json = { 'content-type': 'application/json' }

  const garbled = await post(Buffer.from('this is not a protobuf message at all'), proto)
  t.equal(garbled.status, 400)
  t.equal(garbled.headers.get('content-type'), 'application/x-protobuf')
  const status = decodeStatus(new Uint8Array(await garbled.arrayBuffer()))
  t.equal(status.code, 3, 'INVALID_ARGUMENT')
  t.match(status.message, /body is not a protobuf ExportLogsServiceRequest/)

  const valid = encodeLogsRequest({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x'.repeat(100) } }] }] }] })
  const truncated = await post(valid.subarray(0, valid.length - 20), proto)
  t.equal(truncated.status, 400, 'a truncated message')
  t.match(decodeStatus(new Uint8Array(await truncated.arrayBuffer())).message, /not a protobuf ExportLogsServiceRequest/)

  // AnyValues nested 3000 levels deep, written by hand (protobufjs will not encode it): a 400, not a crash
  const field = (tag: number, inner: Uint8Array) => protobuf.Writer.create().uint32(tag).bytes(inner).finish()
  let deep = protobuf.Writer.create().uint32(0x0a).string('bottom').finish() // AnyValue.string_value
  for (let i = 0; i < 3000; i++) deep = field(0x2a, field(0x0a, deep)) // AnyValue.array_value, ArrayValue.values
  const nested = await post(field(0x0a, field(0x12, field(0x12, field(0x2a, deep)))), proto) // resource_logs, scope_logs, log_records, body
  t.equal(nested.status, 400)
  t.match(decodeStatus(new Uint8Array(await nested.arrayBuffer())).message, /not a protobuf ExportLogsServiceRequest: max depth exceeded/)

  const badJson = await post('{"resourceLogs": [', json)
  t.equal(badJson.status, 400)
  t.match(await badJson.json(), { statusCode: 400, message: /JSON/ })

  const notList = await post(JSON.stringify({ resourceLogs: { nope: 1 } }), json)
  t.equal(notList.status, 400)
  t.match(await notList.json(), { message: 'body/resourceLogs must be an array' })
  const scalar = await post('42', json)
  t.equal(scalar.status, 400)
  t.match(await scalar.json(), { message: /ExportLogsServiceRequest object/ })

  const badGzip = await post(Buffer.from('not gzip at all'), { ...json, 'content-encoding': 'gzip' })
  t.equal(badGzip.status, 400)
  t.match(await badGzip.json(), { message: /body is not valid gzip/ })
  const brotli = await post(gzipSync('{}'), { ...json, 'content-encoding': 'br' })
  t.equal(brotli.status, 415)
  t.match(await brotli.json(), { message: /content-encoding br is not supported/ })

  // the body limit bounds the unzipped body too: a small gzip of a large body is a 413
  const { app: small, base: smallBase } = await listen(t, { bodyLimit: 64 * 1024 })
  const bomb = gzipSync(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: Array.from({ length: 5000 }, () => ({ body: { stringValue: 'x'.repeat(100) } })) }] }] }))
  t.ok(bomb.length < 64 * 1024, `the gzip body is ${bomb.length} bytes`)
  const tooLarge = await fetch(`${smallBase}/v1/logs`, { method: 'POST', headers: { ...json, 'content-encoding': 'gzip' }, body: bomb })
  t.equal(tooLarge.status, 413)
  t.match(await tooLarge.json(), { statusCode: 413 })

  t.equal(await app.events.count(), 0, 'nothing stored')
  t.equal(await small.events.count(), 0, 'nothing stored')
})

t.test('a partial success counts the rejected records and names them; the others are stored', async (t) => {
  const { app, base } = await listen(t, { eventMaxBytes: 1024 })
  const records = [
    { body: { stringValue: 'kept 1' } },
    { body: { stringValue: 'x'.repeat(2000) } }, // over MCP_EVENT_MAX_BYTES
    { timeUnixNano: 'yesterday', body: { stringValue: 'bad time' } },
    { traceId: 'abc', spanId: SPAN_ID, body: { stringValue: 'bad trace id' } },
    { body: { stringValue: 'kept 2' } },
    { body: deepKvlist(40) }, // past the 32-level JSON depth bound
  ]
  const request = { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cart' } }] }, scopeLogs: [{ logRecords: records }] }] }
  const res = await fetch(`${base}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) })
  t.equal(res.status, 200)
  const { partialSuccess } = await res.json()
  t.equal(partialSuccess.rejectedLogRecords, 4)
  t.match(partialSuccess.errorMessage, /; and 1 more$/, 'the first three are quoted, in the export order')
  t.match(partialSuccess.errorMessage, /resourceLogs\/0\/scopeLogs\/0\/logRecords\/2\/timeUnixNano must be Unix nanoseconds/)
  t.match(partialSuccess.errorMessage, /logRecords\/3\/traceId must be 16 bytes/)
  t.match(partialSuccess.errorMessage, /^resourceLogs\/0\/scopeLogs\/0\/logRecords\/1: payload is \d+ bytes; the limit is 1024 \(MCP_EVENT_MAX_BYTES\); /)
  t.notMatch(partialSuccess.errorMessage, /logRecords\/5/, 'the fourth is counted, not quoted')
  // the deep one alone, to read its message
  const deep = await fetch(`${base}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [records[5]] }] }] }) })
  t.same(await deep.json(), { partialSuccess: { rejectedLogRecords: 1, errorMessage: 'resourceLogs/0/scopeLogs/0/logRecords/0/body is nested deeper than 32 levels (the JSON depth bound)' } })
  t.same((await events(app)).map((e) => e.payload.body).sort(), ['kept 1', 'kept 2'])

  // all rejected: still 200 with every record counted, in protobuf for a protobuf request
  const proto = await fetch(`${base}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: encodeLogsRequest({ resourceLogs: [{ scopeLogs: [{ logRecords: [records[1], records[1]] }] }] }),
  })
  t.equal(proto.status, 200)
  t.equal(Number(decodeLogsResponse(new Uint8Array(await proto.arrayBuffer())).partialSuccess?.rejectedLogRecords), 2)
  t.equal(await app.events.count(), 2)
})

t.test('an export larger than MCP_EVENTS_MAX_BATCH is stored in several batches', async (t) => {
  const { app, base } = await listen(t, { eventsMaxBatch: 4 })
  const logRecords = Array.from({ length: 10 }, (_, i) => ({ body: { intValue: i } }))
  const res = await fetch(`${base}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords }] }] }) })
  t.same(await res.json(), {})
  t.same((await events(app)).map((e) => e.payload.body).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
})

t.test('with ingest tokens, an export without the token is refused and stores nothing', async (t) => {
  const token = 'an-ingest-token-long-enough'
  const { app, base } = await listen(t, { ingestTokens: [token] })
  const records = recordsOf('auth-svc', emitThree('auth'))
  const refused = new ProtoExporter({ url: `${base}/v1/logs` })
  const result = await exportWith(refused, records)
  t.equal(result.code, 1, 'the exporter reports the failure')
  t.match(result.error?.message ?? '', /401|Unauthorized/)
  const raw = await fetch(`${base}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array() })
  t.equal(raw.status, 401)
  t.equal(decodeStatus(new Uint8Array(await raw.arrayBuffer())).code, 16, 'UNAUTHENTICATED')
  t.equal(await app.events.count(), 0)

  const allowed = new JsonExporter({ url: `${base}/v1/logs`, headers: { authorization: `Bearer ${token}` } })
  t.equal((await exportWith(allowed, records)).code, 0)
  t.equal(await app.events.count(), 3)
  await Promise.all([refused.shutdown(), allowed.shutdown()])
})

t.test('over the ingest rate limit: 429 with Retry-After, in the request encoding', async (t) => {
  const { app, base } = await listen(t, { ingestRateLimitMax: 2 })
  const body = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }] }] }] })
  const post = (type: string, payload: string | Uint8Array) => fetch(`${base}/v1/logs`, { method: 'POST', headers: { 'content-type': type }, body: payload })
  t.equal((await post('application/json', body)).status, 200)
  t.equal((await post('application/json', body)).status, 200)
  const limited = await post('application/json', body)
  t.equal(limited.status, 429)
  t.match(limited.headers.get('retry-after'), /^\d+$/)
  t.match(await limited.json(), { statusCode: 429, message: /rate limit/ })
  const limitedProto = await post('application/x-protobuf', encodeLogsRequest({}))
  t.equal(limitedProto.status, 429)
  t.match(limitedProto.headers.get('retry-after'), /^\d+$/)
  t.equal(decodeStatus(new Uint8Array(await limitedProto.arrayBuffer())).code, 8, 'RESOURCE_EXHAUSTED')
  t.equal(await app.events.count(), 2)
})
