// One place where errors become HTTP: a DomainError's kind picks the status; Fastify's own errors
// (validation, body limits, http-errors from @fastify/sensible and the auth guards) keep theirs.
// 4xx messages pass through; 5xx are logged with the request id and hidden.
import fp from 'fastify-plugin'
import type { FastifyError } from 'fastify'
import { DomainError, type ErrorKind } from '../../domain/shared/errors.js'

const STATUS: Record<ErrorKind, number> = { invalid: 400, not_found: 404, conflict: 409, too_large: 413, unavailable: 503 }
const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
}

export const statusOf = (kind: ErrorKind) => STATUS[kind]

type AnyError = FastifyError & { headers?: Record<string, string>, validationContext?: string }

export default fp(async (app) => {
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
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
    if (err.headers) reply.headers(err.headers)
    if (status >= 500) {
      req.log.error({ err }, 'request failed')
      return reply.code(status).send({ statusCode: status, error: 'Internal Server Error', message: `internal error (request ${req.id})` })
    }
    return reply.code(status).send({ statusCode: status, error: REASON[status] ?? 'Error', message: err.message, ...(err.code ? { code: err.code } : {}) })
  })
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no route ${req.method} ${req.url.split('?')[0]}` })
  })
}, { name: 'errors' })
