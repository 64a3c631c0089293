// Request validation: two Ajv instances, one per kind of input.
// - Bodies are JSON and carry their own types: a number where a string is expected is refused, never
//   coerced into "5" (Ajv without coerceTypes).
// - Querystrings, path parameters and headers arrive as text: they are coerced ("5" -> 5, "true" ->
//   true, one value -> [value]), and a number that coerces to Infinity ("Infinity", "1e309") is refused
//   (Ajv skips minimum/maximum for non-finite numbers, so it would reach the store).
// Routes whose body the domain checks itself (it names the bad field of a channel's variant, or the
// bad item of a batch without sinking the good ones) take `bodyCheckedByDomain`: their body passes as
// sent unless it is missing or null; their other parts are validated as everywhere else.
import { createRequire } from 'node:module'
import type { FastifyInstance, FastifySchemaCompiler, FastifySchemaValidationError, FastifyServerOptions } from 'fastify'

type FastifyValidationResult = ReturnType<FastifySchemaCompiler<unknown>>
/** the type Fastify's schemaController option expects of a validator factory */
type ValidatorFactory = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']>

const common = { removeAdditional: false, useDefaults: true, allErrors: false } as const
/** Ajv options for JSON bodies: types as sent. */
export const BODY_AJV = { customOptions: { ...common, coerceTypes: false }, plugins: [] }
/** Ajv options for querystrings, params and headers: text coerced to the schema's types. */
export const TEXT_AJV = { customOptions: { ...common, coerceTypes: 'array' }, plugins: [] }

type BuildCompiler = (externalSchemas: Record<string, unknown>, options: typeof BODY_AJV | typeof TEXT_AJV) => FastifySchemaCompiler<unknown>

// The validator compiler Fastify itself uses (it caches one Ajv per option set), resolved from
// Fastify's own dependencies so that both stay on the version Fastify was tested with.
const requireFromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'))
const AjvCompiler = requireFromFastify('@fastify/ajv-compiler') as () => BuildCompiler
const buildCompiler = AjvCompiler()

/** Wraps a text part's validator: a coerced non-finite number is a validation error naming its field. */
function finiteNumbersOnly (validate: FastifyValidationResult): FastifyValidationResult {
  type Ajvish = FastifyValidationResult & { schemaEnv?: unknown }
  // Fastify hands an Ajv function (one with schemaEnv) the request as parent data, so that Ajv may
  // replace a coerced root value: the wrapper passes it on and looks like one
  const checked: Ajvish = (data: unknown, ...context: unknown[]) => {
    const ok = (validate as (data: unknown, ...context: unknown[]) => ReturnType<FastifyValidationResult>)(data, ...context)
    checked.errors = validate.errors
    if (ok !== true || data === null || typeof data !== 'object') return ok
    for (const [key, value] of Object.entries(data)) {
      const values = Array.isArray(value) ? value : [value]
      if (values.some((v) => typeof v === 'number' && !Number.isFinite(v))) {
        const error: FastifySchemaValidationError = { keyword: 'type', instancePath: `/${key}`, schemaPath: `#/properties/${key}/type`, params: {}, message: 'must be a finite number' }
        checked.errors = [error]
        return false
      }
    }
    return true
  }
  checked.schemaEnv = (validate as Ajvish).schemaEnv
  return checked
}

/**
 * The app's validator factory (Fastify's `schemaController.compilersFactory.buildValidator`): bodies
 * with the body Ajv, every other part with the text Ajv. Header names in a headers schema must be lower
 * case: Fastify lowercases them only for its default compiler.
 */
export function compilerFor (externalSchemas: Record<string, unknown>): FastifySchemaCompiler<unknown> {
  const body = buildCompiler(externalSchemas, BODY_AJV)
  const text = buildCompiler(externalSchemas, TEXT_AJV)
  return (route) => route.httpPart === 'body' ? body(route) : finiteNumbersOnly(text(route))
}
export const buildValidator = ((externalSchemas: Record<string, unknown>) => compilerFor(externalSchemas)) as unknown as ValidatorFactory

/** A body the domain validates must still be there: a missing or null body is refused here. */
const present: FastifyValidationResult = (data: unknown) => {
  if (data !== undefined && data !== null) return true
  return { error: Object.assign(new Error(`body is required (JSON), got ${data === null ? 'null' : 'none'}`), { statusCode: 400, validationContext: 'body' }) }
}

/**
 * The `validatorCompiler` of a route whose body the domain validates: the body passes as sent (when
 * present), params, querystring and headers are validated as on every other route.
 */
export function bodyCheckedByDomain (app: Pick<FastifyInstance, 'getSchemas'>): FastifySchemaCompiler<unknown> {
  let compile: FastifySchemaCompiler<unknown> | undefined
  return (route) => {
    if (route.httpPart === 'body') return present
    // built on first use, once every shared schema has been added
    compile ??= compilerFor(app.getSchemas())
    return compile(route)
  }
}
