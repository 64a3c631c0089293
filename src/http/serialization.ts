// Response serialisation: Fastify's own serializer compiler (fast-json-stringify), handed for each
// route only the shared schemas that route's schema reaches through $ref. Given every shared schema,
// fast-json-stringify checks each one against the JSON Schema meta-schema again for every route and
// status: routes × schemas checks, most of the hub's start-up time (bench/README.md, "### scale").
import { createRequire } from 'node:module'
import type { FastifyServerOptions } from 'fastify'

type SerializerFactory = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildSerializer']>
type Schemas = Record<string, unknown>
type Compile = (route: { schema: unknown, method: string, url: string, httpStatus: string }) => (data: unknown) => string

const requireFromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'))
const SerializerSelector = requireFromFastify('@fastify/fast-json-stringify-compiler') as () => (externalSchemas: Schemas, options: unknown) => Compile
const selector = SerializerSelector()

/** Every $ref in `value`, at any depth. */
function refsIn (value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, into)
  else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') into.push(v)
      else refsIn(v, into)
    }
  }
  return into
}

/**
 * The shared schemas `schema` reaches through $ref, directly or through one another. A reference
 * to a schema it cannot name (not a shared schema's $id) keeps every shared schema, as before.
 */
export function reachableSchemas (schema: unknown, shared: Schemas): Schemas {
  const out: Schemas = {}
  const pending = refsIn(schema)
  while (pending.length > 0) {
    const ref = pending.pop()!
    const id = ref.split('#')[0]
    if (id === '' || id in out) continue
    if (!(id in shared)) return shared
    out[id] = shared[id]
    refsIn(shared[id], pending)
  }
  return out
}

/** The app's serializer factory (Fastify's `schemaController.compilersFactory.buildSerializer`). */
export const buildSerializer = ((externalSchemas: Schemas, options: unknown) => {
  return (route: Parameters<Compile>[0]) => selector(reachableSchemas(route.schema, externalSchemas ?? {}), options)(route)
}) as unknown as SerializerFactory
