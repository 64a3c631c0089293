// Monitored service definitions: validation with messages naming the field, normalisation (defaults
// filled in, durations in ms), and the checks across services (unique names, known dependencies, no
// cycles). The same rules serve the config file ("services/2/timeout …") and the API ("body/timeout …").
import { ServiceInput, type ServiceDefinitionT, type ServiceInputT } from '../../schemas/health.js'
import { compileValidator } from '../shared/validation.js'
import { invalid } from '../shared/errors.js'
import type { TargetGuard } from '../shared/target-guard.js'

export const DEFAULT_INTERVAL_MS = 30_000
export const DEFAULT_TIMEOUT_MS = 5_000
export const MIN_INTERVAL_MS = 1_000

const validator = compileValidator<ServiceInputT>(ServiceInput)

export function parseDuration (v: number | string): number {
  if (typeof v === 'number') return v
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(v)!
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h']
  return Math.round(Number(m[1]) * unit)
}

/** Validates one definition and fills in its defaults. Throws an invalid DomainError naming `${prefix}/field`. */
export function normaliseService (input: unknown, prefix: string, guard: TargetGuard): ServiceDefinitionT {
  if (!validator.check(input)) throw invalid(validator.firstError(input, prefix)!)
  const kind = input.kind ?? 'http'
  let url: URL
  try {
    url = new URL(input.url)
  } catch {
    throw invalid(`${prefix}/url is not a valid URL: ${JSON.stringify(input.url)}`)
  }
  if (kind === 'http' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`${prefix}/url must start with http:// or https:// for an http check (got ${url.protocol})`)
  }
  if (kind === 'tcp') {
    if (url.protocol !== 'tcp:' || !url.hostname || !url.port) throw invalid(`${prefix}/url must be tcp://host:port for a tcp check`)
    for (const field of ['method', 'headers', 'body', 'expectedStatus', 'bodyContains', 'json', 'followRedirects'] as const) {
      if (input[field] !== undefined) throw invalid(`${prefix}/${field} applies to http checks only`)
    }
  }
  if (!url.hostname) throw invalid(`${prefix}/url has no host`)
  const refused = guard.refuseHost(url.hostname)
  if (refused) throw invalid(`${prefix}/url: ${refused}`)

  const interval = input.interval !== undefined ? parseDuration(input.interval) : DEFAULT_INTERVAL_MS
  if (interval < MIN_INTERVAL_MS) throw invalid(`${prefix}/interval must be at least ${MIN_INTERVAL_MS} ms (got ${interval} ms)`)
  // the default timeout shrinks for short intervals so that it stays below them
  const timeout = input.timeout !== undefined ? parseDuration(input.timeout) : Math.min(DEFAULT_TIMEOUT_MS, Math.floor(interval / 2))
  if (timeout < 1) throw invalid(`${prefix}/timeout must be at least 1 ms`)
  if (timeout >= interval) throw invalid(`${prefix}/timeout (${timeout} ms) must be below interval (${interval} ms)`)
  if (input.degradedAfterMs !== undefined && input.degradedAfterMs >= timeout) {
    throw invalid(`${prefix}/degradedAfterMs (${input.degradedAfterMs} ms) must be below timeout (${timeout} ms)`)
  }
  const dependsOn = [...new Set(input.dependsOn ?? [])]
  const self = dependsOn.indexOf(input.name)
  if (self >= 0) throw invalid(`${prefix}/dependsOn/${self}: a service cannot depend on itself`)
  for (const c of input.json ?? []) {
    if (c.equals === undefined && c.exists === undefined) throw invalid(`${prefix}/json: condition on ${c.path} needs "equals" or "exists"`)
  }

  return {
    name: input.name,
    url: url.href,
    kind,
    method: input.method ?? 'GET',
    headers: input.headers ?? {},
    body: input.body ?? null,
    expectedStatus: input.expectedStatus ?? ['2xx'],
    bodyContains: input.bodyContains ?? null,
    json: input.json ?? [],
    followRedirects: input.followRedirects ?? false,
    interval,
    timeout,
    degradedAfterMs: input.degradedAfterMs ?? null,
    failureThreshold: input.failureThreshold ?? 2,
    successThreshold: input.successThreshold ?? 2,
    tlsExpiryDays: input.tlsExpiryDays ?? null,
    tags: [...new Set(input.tags ?? [])],
    dependsOn,
    enabled: input.enabled ?? true,
  }
}

/** Turns a stored definition back into input form (for PATCH merges). */
export function definitionAsInput (d: ServiceDefinitionT): Record<string, unknown> {
  const out: Record<string, unknown> = { ...d }
  for (const [k, v] of Object.entries(out)) if (v === null) delete out[k]
  if (d.kind === 'tcp') for (const k of ['method', 'headers', 'body', 'expectedStatus', 'bodyContains', 'json', 'followRedirects']) delete out[k]
  return out
}

type DepGraph = Map<string, { dependsOn: string[] }>

/** The first unknown dependency of `name`, as [index, missing name]. */
export function unknownDependency (graph: DepGraph, name: string): [number, string] | undefined {
  const deps = graph.get(name)?.dependsOn ?? []
  const i = deps.findIndex((d) => !graph.has(d))
  return i >= 0 ? [i, deps[i]] : undefined
}

/** A dependency cycle through `start`, as the list of names around it, or undefined. */
export function dependencyCycle (graph: DepGraph, start: string): string[] | undefined {
  const path: string[] = []
  const done = new Set<string>()
  const visit = (n: string): string[] | undefined => {
    if (n === start && path.length > 0) return [...path, n]
    if (done.has(n) || path.includes(n)) return undefined
    path.push(n)
    for (const d of graph.get(n)?.dependsOn ?? []) {
      const c = visit(d)
      if (c) return c
    }
    path.pop()
    done.add(n)
    return undefined
  }
  return visit(start)
}

/**
 * Validates the config file's `services` list against itself and the API-defined services.
 * Throws an invalid DomainError naming `services/i/field`.
 */
export function normaliseFileServices (list: unknown, apiServices: Map<string, ServiceDefinitionT>, guard: TargetGuard): ServiceDefinitionT[] {
  if (list === undefined || list === null) return []
  if (!Array.isArray(list)) throw invalid('services must be a list of service definitions')
  const defs: ServiceDefinitionT[] = []
  const seen = new Map<string, number>()
  list.forEach((item, i) => {
    const d = normaliseService(item, `services/${i}`, guard)
    if (seen.has(d.name)) throw invalid(`services/${i}/name: duplicate name "${d.name}" (also services/${seen.get(d.name)})`)
    if (apiServices.has(d.name)) throw invalid(`services/${i}/name: "${d.name}" is already defined through the API; remove it there first`)
    seen.set(d.name, i)
    defs.push(d)
  })
  const graph: DepGraph = new Map([...apiServices, ...defs.map((d) => [d.name, d] as const)])
  for (const [name] of graph) {
    const unknown = unknownDependency(graph, name)
    if (unknown) {
      const where = seen.has(name) ? `services/${seen.get(name)}` : `service "${name}" (defined through the API)`
      throw invalid(`${where}/dependsOn/${unknown[0]}: no service named "${unknown[1]}"`)
    }
  }
  for (const d of defs) {
    const cycle = dependencyCycle(graph, d.name)
    if (cycle) throw invalid(`services/${seen.get(d.name)}/dependsOn: dependency cycle ${cycle.join(' → ')}`)
  }
  return defs
}
