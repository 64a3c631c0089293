// Request validation for routes whose body the domain checks itself (it names the bad field of a
// channel's variant, or the bad item of a batch without sinking the good ones). Their body passes
// through as sent; their params, querystring and headers are still validated, and coerced, by Ajv with
// the app's own options, exactly as on every other route.
import { createRequire } from 'node:module'
import type { FastifyInstance, FastifySchemaCompiler, FastifyServerOptions } from 'fastify'

/** The app's Ajv options (Fastify's `ajv` server option). */
export const AJV_OPTIONS = {
  customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
  plugins: [],
} satisfies FastifyServerOptions['ajv']

type BuildCompiler = (externalSchemas: Record<string, unknown>, options: typeof AJV_OPTIONS) => FastifySchemaCompiler<unknown>

// The validator compiler Fastify itself uses, resolved from Fastify's own dependencies: a route with a
// validatorCompiler of its own does not get Fastify's, and no public API hands it out before ready.
const requireFromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'))
const AjvCompiler = requireFromFastify('@fastify/ajv-compiler') as () => BuildCompiler
const buildCompiler = AjvCompiler()

const asSent = () => true

/**
 * The `validatorCompiler` of a route whose body the domain validates: the body is passed as sent,
 * params, querystring and headers are compiled with Ajv (the app's options, its shared schemas) as
 * Fastify would. Header names in a headers schema must be lower case (Fastify lowercases them only
 * for its own compiler).
 */
export function bodyCheckedByDomain (app: Pick<FastifyInstance, 'getSchemas'>): FastifySchemaCompiler<unknown> {
  let compile: FastifySchemaCompiler<unknown> | undefined
  return (route) => {
    if (route.httpPart === 'body') return asSent
    // built on first use, once every shared schema has been added
    compile ??= buildCompiler(app.getSchemas(), AJV_OPTIONS)
    return compile(route)
  }
}
