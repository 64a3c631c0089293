// One place where errors become HTTP: a DomainError's kind picks the status; Fastify's own errors
// (validation, body limits, http-errors from @fastify/sensible and the auth guards) keep theirs.
// 4xx messages pass through; 5xx are logged with the request id and hidden. Every error, the
// router's and the content-type parser's included, has one shape: {statusCode, error, message}.
import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { DomainError, type ErrorKind } from '../../domain/shared/errors.js'
import { createMethodIndex } from '../../http/allowed-methods.js'

/**
 * The router's bound on a path parameter. Far above any params schema's maxLength, so that a long
 * parameter reaches its route, whose guard runs first, then its params schema answers 414.
 */
export const MAX_PARAM_LENGTH = 16_384

const STATUS: Record<ErrorKind, number> = { invalid: 400, not_found: 404, conflict: 409, too_large: 413, unavailable: 503 }
const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  503: 'Service Unavailable',
}

/**
 * Fastify's `frameworkErrors`: what the router refuses before any route (a malformed URL, a path
 * parameter over MAX_PARAM_LENGTH) answers in the shape of every other error, without echoing the path.
 */
export function frameworkErrors (err: FastifyError, _req: FastifyRequest, reply: FastifyReply) {
  const status = err.statusCode ?? 400
  const message = err.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`
    : err.code === 'FST_ERR_BAD_URL' ? 'the URL is not valid (a malformed percent-encoding?)' : err.message
  reply.code(status).send({ statusCode: status, error: REASON[status] ?? (status >= 500 ? 'Internal Server Error' : 'Bad Request'), message, code: err.code })
}

export const statusOf = (kind: ErrorKind) => STATUS[kind]

type AnyError = FastifyError & { headers?: Record<string, string>, validationContext?: string }

export default fp(async (app) => {
  // every route's path and methods, for the 405 answer of the not-found handler
  const methods = createMethodIndex(MAX_PARAM_LENGTH)
  app.addHook('onRoute', (route) => { methods.add(route.method, route.url) })

  app.setErrorHandler((err: AnyError | DomainError, req, reply) => {
    if (err instanceof DomainError) {
      const status = STATUS[err.kind]
      if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds))
      return reply.code(status).send({ statusCode: status, error: REASON[status], message: err.message, ...err.details })
    }
    const first = Array.isArray(err.validation) ? err.validation[0] as { keyword?: string, instancePath?: string, params?: { additionalProperty?: string } } : undefined
    if (first?.keyword === 'additionalProperties' && first.params?.additionalProperty) {
      // Ajv's "must NOT have additional properties" does not say which: name it
      const where = `${err.validationContext ?? 'body'}${first.instancePath ?? ''}/${first.params.additionalProperty}`
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `${where} is not a known field`, code: 'FST_ERR_VALIDATION' })
    }
    if (first?.keyword === 'maxLength' && err.validationContext === 'params') {
      return reply.code(414).send({ statusCode: 414, error: REASON[414], message: err.message, code: 'FST_ERR_VALIDATION' })
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
    if (err.headers) reply.headers(err.headers)
    if (status >= 500) {
      req.log.error({ err }, 'request failed')
      return reply.code(status).send({ statusCode: status, error: 'Internal Server Error', message: `internal error (request ${req.id})` })
    }
    return reply.code(status).send({ statusCode: status, error: REASON[status] ?? 'Error', message: err.message, ...(err.code ? { code: err.code } : {}) })
  })
  // A method no route of the path has is refused first, before its body is parsed: 405 with Allow.
  // Only unmatched requests pay for this (req.is404), as for the helmet plugin's not-found hook.
  app.addHook('onRequest', (req, reply, done) => {
    if (!req.is404) return done()
    const path = req.url.split('?')[0]
    const allowed = methods.allowed(path)
    if (allowed.length === 0 || allowed.includes(req.method)) return done()
    reply.code(405).header('allow', allowed.join(', '))
      .send({ statusCode: 405, error: REASON[405], message: `${req.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}` })
  })
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ statusCode: 404, error: REASON[404], message: `no route ${req.method} ${req.url.split('?')[0]}` })
  })
}, { name: 'errors' })
