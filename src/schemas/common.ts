// Shared models. Each carries an $id, is registered once with app.addSchema and referenced with
// Type.Ref, so it appears as a named component in the OpenAPI document.
import { Type, type TSchema, type TUnion, type TLiteral, FormatRegistry } from '@sinclair/typebox'

// TypeBox's own checker (used for per-item batch validation) learns the formats Fastify's Ajv knows.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:?\d{2})$/
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)))

export const ErrorResponse = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String(),
  code: Type.Optional(Type.String()),
}, { $id: 'Error', title: 'Error', description: 'Every error: the HTTP status, its name, and a message naming the field or limit at fault.' })

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])

export const StringEnum = <const T extends readonly string[]>(values: T, opts: Record<string, unknown> = {}): TUnion<Array<TLiteral<T[number]>>> =>
  Type.Union(values.map((v) => Type.Literal(v)), opts) as TUnion<Array<TLiteral<T[number]>>>

export const ErrorRef = Type.Ref(ErrorResponse)

/** Standard error responses for admin routes. */
export const adminErrors = { 400: ErrorRef, 401: ErrorRef, 429: ErrorRef }
/** what an ingest route (POST /events, POST /v1/logs) may answer besides its own 2xx and 400 */
export const ingestErrors = { 401: ErrorRef, 413: ErrorRef, 415: ErrorRef, 429: ErrorRef, 503: ErrorRef }

export const Limit = (max: number, dflt: number) => Type.Integer({ minimum: 1, maximum: max, default: dflt, description: `page size, at most ${max}` })
