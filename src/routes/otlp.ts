// OTLP/HTTP logs in: POST /v1/logs, in JSON or protobuf, gzip or not, as the OpenTelemetry SDKs and
// the Collector export them. Each record becomes an event through the event log (docs/otlp.md).
// Answers follow the OTLP spec: in the request's encoding, errors included (a google.rpc.Status in
// protobuf for a protobuf request), a partial success counting rejected records.
import fp from 'fastify-plugin'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest, RequestPayload } from 'fastify'
import { createGunzip, type Gunzip } from 'node:zlib'
import { ErrorRef, ingestErrors } from '../schemas/common.js'
import { ExportLogsRequest, ExportLogsResponse } from '../schemas/otlp.js'
import { lazyChildLogger } from '../http/lazy-child-logger.js'
import { bodyCheckedByDomain } from '../http/validation.js'
import { decodeLogsRequest, encodeLogsResponse, encodeStatus } from '../domain/otlp/otlp-codec.js'
import { mapLogExport } from '../domain/otlp/log-records.js'
import { ingestLogExport } from '../domain/otlp/log-ingest.js'

const PROTOBUF = 'application/x-protobuf'

const isProtobuf = (req: FastifyRequest) => (req.headers['content-type'] ?? '').toLowerCase().startsWith(PROTOBUF)

/** A gzip body unzipped on its way to the parser; the body limit bounds both sides. */
async function unzip (req: FastifyRequest, _reply: FastifyReply, payload: RequestPayload): Promise<RequestPayload> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase()
  if (encoding === 'identity' || encoding === '') return payload
  if (encoding !== 'gzip') {
    throw Object.assign(new Error(`content-encoding ${encoding} is not supported; send gzip or none`), { statusCode: 415 })
  }
  const gunzip: Gunzip & { receivedEncodedLength?: number } = createGunzip()
  let received = 0
  // Fastify compares this with content-length and the body limit (the unzipped length is checked too)
  payload.on('data', (chunk: Buffer) => { gunzip.receivedEncodedLength = received += chunk.length })
  gunzip.once('error', (err) => {
    err.message = `body is not valid gzip (${err.message})`
    Object.assign(err, { statusCode: 400 })
  })
  return payload.pipe(gunzip)
}

/** An error answer re-encoded as a google.rpc.Status for a protobuf request, as OTLP/HTTP asks. */
async function protobufErrors (req: FastifyRequest, reply: FastifyReply, payload: unknown) {
  if (reply.statusCode < 400 || !isProtobuf(req) || typeof payload !== 'string') return payload
  let message = payload
  try { message = String(JSON.parse(payload).message ?? payload) } catch {}
  reply.type(PROTOBUF)
  return Buffer.from(encodeStatus(reply.statusCode, message))
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app

  // scoped to this plugin: the rest of the API stays JSON only
  app.addContentTypeParser(PROTOBUF, { parseAs: 'buffer', bodyLimit: config.bodyLimit }, (_req, body, done) => done(null, body))

  app.post('/v1/logs', {
    auth: 'ingest',
    helmet: false,
    logLevel: 'warn',
    childLoggerFactory: lazyChildLogger,
    bodyLimit: config.bodyLimit,
    config: { rateLimit: { max: config.ingestRateLimitMax, timeWindow: config.rateLimitWindowMs } },
    validatorCompiler: bodyCheckedByDomain(app),
    preParsing: unzip,
    onSend: protobufErrors,
    schema: {
      tags: ['events'],
      summary: 'Ingest OpenTelemetry logs (OTLP/HTTP)',
      description: `An OTLP/HTTP logs export, in JSON (application/json) or protobuf (application/x-protobuf), gzip or not.
Each log record is stored as an event (docs/otlp.md); the answer, in the request's encoding, comes once they are committed.
Records that cannot be stored are counted in partialSuccess; 400 when the body cannot be decoded; 429 and 503 carry Retry-After.`,
      body: ExportLogsRequest,
      response: {
        200: ExportLogsResponse,
        400: ErrorRef,
        ...ingestErrors,
      },
    },
  }, async (req, reply) => {
    const protobuf = isProtobuf(req)
    const body = protobuf ? decodeLogsRequest(req.body as Buffer) : req.body
    const mapped = mapLogExport(body, protobuf ? 'base64' : 'hex')
    const response = await ingestLogExport(app.events, mapped, config.eventsMaxBatch)
    if (!protobuf) return response
    // bytes bypass the JSON serializer (the 200 schema describes the JSON answer)
    return reply.type(PROTOBUF).send(Buffer.from(encodeLogsResponse(response)) as unknown as typeof response)
  })
}

export default fp(routes, { name: 'routes/otlp', dependencies: ['config', 'events', 'auth'], encapsulate: true })
