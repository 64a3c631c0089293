// Turns TypeBox validation errors into one sentence naming the field, the same shape Fastify gives
// for route schemas ("body/severity must be …").
import type { TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { ValueErrorType, type ValueError } from '@sinclair/typebox/value'

/** What is wrong with the value, as the end of a sentence that starts with its path. */
export function describe (e: ValueError): string {
  const s = e.schema as { anyOf?: Array<{ const?: unknown }> }
  if (e.type === ValueErrorType.Union && s.anyOf?.every((x) => 'const' in x)) {
    const values = s.anyOf.map((x) => String(x.const))
    return `must be one of ${values.length > 8 ? values.slice(0, 8).join(', ') + ', …' : values.join(', ')}`
  }
  if (e.type === ValueErrorType.ObjectAdditionalProperties) return 'is not a known field'
  if (e.type === ValueErrorType.ObjectRequiredProperty) return 'is required'
  if (e.type === ValueErrorType.StringFormat) return `must be a ${(e.schema as { format?: string }).format} string`
  return e.message.charAt(0).toLowerCase() + e.message.slice(1)
}

export interface Validator<T> { check (v: unknown): v is T, firstError (v: unknown, prefix: string): string | undefined }

export function compileValidator<T> (schema: TSchema): Validator<T> {
  const compiled: TypeCheck<TSchema> = TypeCompiler.Compile(schema)
  return {
    check: (v: unknown): v is T => compiled.Check(v),
    firstError (v: unknown, prefix: string) {
      const e = compiled.Errors(v).First()
      if (!e) return undefined
      const path = e.path ? `${prefix}${e.path}` : prefix
      return `${path} ${describe(e)}`
    },
  }
}
