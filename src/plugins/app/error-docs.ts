// The OpenAPI document lists, on every operation, the error answers any route of its kind can give,
// not only the ones its handler gives: the shared Error model for a bad request (validation, bad JSON),
// a refused login, an unknown id, a body too large or of the wrong type, a path parameter too long,
// the rate limit, and the hidden internal error. A route's own entries are kept.
// 405 Method Not Allowed answers a method no operation has, so it belongs to no operation:
// docs/errors.md says it.
import fp from 'fastify-plugin'
import { ErrorRef } from '../../schemas/common.js'

/** methods whose requests Fastify parses a body for */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

interface RouteSchema {
  body?: unknown
  querystring?: unknown
  params?: unknown
  headers?: unknown
  response?: Record<string, unknown>
  security?: unknown[]
}

/** The generic error statuses a route can answer, from what it accepts and who may call it. */
export function genericErrors (methods: readonly string[], schema: RouteSchema): number[] {
  const withBody = methods.some((m) => BODY_METHODS.has(m))
  const statuses = [429, 500]
  if (withBody || schema.body !== undefined || schema.querystring !== undefined || schema.params !== undefined || schema.headers !== undefined) statuses.push(400)
  if (schema.security?.length) statuses.push(401)
  if (schema.params !== undefined) statuses.push(404, 414)
  if (withBody) statuses.push(413, 415)
  return statuses.sort()
}

export default fp(async (app) => {
  // after the auth plugin's onRoute hook, which sets each route's `security`
  app.addHook('onRoute', (route) => {
    const schema = route.schema as RouteSchema | undefined
    // routes without response schemas (the MCP endpoint's JSON-RPC answers, static files) are not
    // serialised by status: an Error schema added here would rewrite their bodies
    if (!schema?.response) return
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    const response = { ...schema.response }
    for (const status of genericErrors(methods, schema)) response[status] ??= ErrorRef
    route.schema = { ...route.schema, response }
  })
}, { name: 'error-docs', dependencies: ['errors', 'auth'] })
