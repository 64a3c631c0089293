// The OpenAPI fuzz suite: every operation of the app's own OpenAPI document (app.swagger()) is driven
// with inputs generated from its schemas by fast-check, valid ones and hostile ones (bodies, path
// parameters, query strings, headers, credentials, content types, methods), at least 10,000 requests a
// run through app.inject and a few through a real listener. For each response: no 5xx, a status the
// operation documents (405 with Allow for a method no operation has), and a JSON body that matches the
// documented schema (Ajv). At the end the app still answers.
//
// Seeded and reproducible: FUZZ_SEED (default below) and FUZZ_RUNS (requests through inject, default
// 10,000). A failure prints the seed, the path fast-check shrank it to, and the request itself:
//   FUZZ_SEED=<seed> npx tap --timeout 300 test/fuzz/openapi-fuzz.test.ts
import t from 'tap'
import fc from 'fast-check'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import http from 'node:http'
import type net from 'node:net'
import { build, adminAuth } from '../helper.js'

const SEED = Number(process.env.FUZZ_SEED ?? 14_2026)
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000)
const BODY_LIMIT = 16 * 1024
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

type Schema = Record<string, any>
interface Parameter { in: 'path' | 'query' | 'header', name: string, required?: boolean, schema: Schema }
interface Operation {
  method: string
  path: string
  parameters: Parameter[]
  body?: { type: string, schema: Schema, required: boolean }
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>
}
interface FuzzRequest {
  method: string
  url: string
  headers: Record<string, string>
  payload?: string
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/** Strings that have broken parsers, routers and stores somewhere. */
const HOSTILE_STRINGS = [
  '', ' ', 'Infinity', '-Infinity', '1e309', '-1e309', 'NaN', '-0', '0x1f', '1.5', '9'.repeat(40), 'null', 'true', '[]', '{}',
  '../../etc/passwd', '%2e%2e%2f', '%00', '\u0000', "' OR 1=1 --", '<script>alert(1)</script>', '$' + '{jndi:ldap://x}', '🙂'.repeat(30),
  'a'.repeat(300), 'event:1.audit:x', 'event:99999999999999999999', '__proto__', 'constructor',
]

export function listOperations (doc: any): Operation[] {
  const ops: Operation[] = []
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(item)) {
      const content = op.requestBody?.content as Record<string, { schema: Schema }> | undefined
      const type = content ? Object.keys(content)[0] : undefined
      ops.push({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        body: type ? { type, schema: content![type].schema, required: !!op.requestBody.required } : undefined,
        responses: op.responses,
      })
    }
  }
  return ops
}

/** Arbitraries of values valid for a JSON schema of the document (bounded in size and depth). */
function schemaArbitraries (doc: any) {
  const resolve = (s: Schema): Schema => {
    let out = s
    for (let i = 0; out?.$ref && i < 10; i++) out = out.$ref.replace(/^#\//, '').split('/').reduce((o: any, k: string) => o[k], doc)
    return out ?? {}
  }
  const valid = (raw: Schema, depth = 0): fc.Arbitrary<unknown> => {
    const s = resolve(raw)
    let arb = baseValid(s, depth)
    if (s.nullable) arb = fc.option(arb, { nil: null, freq: 5 })
    return arb
  }
  const baseValid = (s: Schema, depth: number): fc.Arbitrary<unknown> => {
    if (s.enum) return fc.constantFrom(...s.enum)
    if ('const' in s) return fc.constant(s.const)
    const alternatives = s.anyOf ?? s.oneOf
    if (alternatives) return fc.oneof(...alternatives.map((x: Schema) => valid(x, depth)))
    if (s.allOf) return valid(Object.assign({}, ...s.allOf.map(resolve)), depth)
    const type = Array.isArray(s.type) ? s.type[0] : s.type
    switch (type) {
      case 'string': return stringFor(s)
      case 'integer': return fc.integer({ min: Math.max(s.minimum ?? -1000, -1e9), max: Math.min(s.maximum ?? 100_000, 1e9) })
      case 'number': return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true })
      case 'boolean': return fc.boolean()
      case 'null': return fc.constant(null)
      case 'array': {
        const min = s.minItems ?? 0
        return fc.array(depth > 3 ? fc.constant(null) : valid(s.items ?? {}, depth + 1), { minLength: min, maxLength: Math.max(min, Math.min(s.maxItems ?? 3, 3)) })
      }
      case 'object': {
        if (depth > 3) return fc.constant({})
        const props = Object.fromEntries(Object.entries((s.properties ?? {}) as Record<string, Schema>).map(([k, v]) => [k, valid(v, depth + 1)]))
        const record = fc.record(props, { requiredKeys: (s.required ?? []).filter((k: string) => k in props) })
        if (s.additionalProperties && typeof s.additionalProperties === 'object' && Object.keys(props).length === 0) {
          return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), valid(s.additionalProperties, depth + 1), { maxKeys: 4 })
        }
        return record
      }
      default: return fc.jsonValue({ maxDepth: 2 })
    }
  }
  const stringFor = (s: Schema): fc.Arbitrary<string> => {
    const min = s.minLength ?? 0
    const max = Math.max(min, Math.min(s.maxLength ?? 40, 40))
    switch (s.format) {
      case 'date-time': return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString())
      case 'date': return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10))
      // an address nothing listens on, and that the outbound guard may refuse: nothing slow is dialled
      case 'uri': case 'url': return fc.constantFrom('http://127.0.0.1:9/', 'https://127.0.0.1:9/health', 'http://[::1]:9/')
      case 'email': return fc.constantFrom('ops@example.com', 'a@b.c')
    }
    if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length >= min && x.length <= (s.maxLength ?? Infinity))
    return fc.string({ minLength: min, maxLength: max })
  }
  return { valid, resolve }
}

/** Hostile values for a text part (path parameter, query value, header). */
const hostileText = fc.oneof(
  { arbitrary: fc.constantFrom(...HOSTILE_STRINGS), weight: 4 },
  { arbitrary: fc.string({ maxLength: 60, unit: 'grapheme' }), weight: 2 },
  { arbitrary: fc.constantFrom('x'.repeat(5000), 'y'.repeat(20_000)), weight: 1 }
)

/** Hostile JSON values for a body or a body field. */
const hostileJson = fc.oneof(
  fc.constantFrom(null, [], {}, 0, -1, 1e308, true, '', 'text', [null], { __proto__: { admin: true } }, { constructor: { prototype: {} } }),
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(...HOSTILE_STRINGS)
)

/** A valid object with one field replaced by a hostile or wrongly typed value, or an unknown field added. */
const mutate = (value: unknown) => fc.tuple(fc.nat(), hostileJson, fc.boolean()).map(([i, bad, add]) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return bad
  const keys = Object.keys(value)
  if (add || keys.length === 0) return { ...value, [`unknown${i % 3}`]: bad }
  const key = keys[i % keys.length]
  const current = (value as Record<string, unknown>)[key]
  // a number where a string is expected, and the other way round: bodies are not coerced
  const swapped = typeof current === 'string' ? (i % 2 ? 12345 : bad) : typeof current === 'number' ? String(current) : bad
  return { ...value, [key]: swapped }
})

function requestArbitrary (op: Operation, valid: (s: Schema) => fc.Arbitrary<unknown>, knownIds: string[]): fc.Arbitrary<FuzzRequest> {
  const textPart = (p: Parameter) => fc.oneof(
    { arbitrary: valid(p.schema).map(String), weight: 6 },
    { arbitrary: hostileText, weight: 2 },
    ...(p.in === 'path' && knownIds.length ? [{ arbitrary: fc.constantFrom(...knownIds), weight: 3 }] : [])
  )
  const pathParams = op.parameters.filter((p) => p.in === 'path')
  const queryParams = op.parameters.filter((p) => p.in === 'query')
  const headerParams = op.parameters.filter((p) => p.in === 'header')
  const optionalPart = (p: Parameter) => p.required ? textPart(p) : fc.option(textPart(p), { nil: undefined, freq: 2 })
  const body: fc.Arbitrary<string | undefined> = !op.body
    ? fc.option(fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)), { nil: undefined, freq: 4 })
    : fc.oneof(
      { arbitrary: valid(op.body.schema).map((v) => JSON.stringify(v)), weight: 5 },
      { arbitrary: valid(op.body.schema).chain(mutate).map((v) => JSON.stringify(v)), weight: 4 },
      { arbitrary: hostileJson.map((v) => JSON.stringify(v)), weight: 2 },
      { arbitrary: fc.constantFrom(undefined, '', '{', '{"a":', 'null', '[1,2', '\u0000', 'x'.repeat(BODY_LIMIT + 10)), weight: 1 }
    )
  return fc.record({
    method: fc.oneof(
      { arbitrary: fc.constant(op.method), weight: 12 },
      { arbitrary: fc.constantFrom(...METHODS), weight: 2 }
    ),
    // "." and ".." are dot-segments, not values: every HTTP client resolves them (RFC 3986 5.2.4) into
    // another path, which may belong to another operation
    path: fc.tuple(...pathParams.map((p) => textPart(p).filter((v) => v !== '.' && v !== '..'))),
    query: fc.tuple(...queryParams.map(optionalPart), fc.option(fc.tuple(fc.constantFrom('unknown', 'limit', 'days', 'cursor'), hostileText), { nil: undefined, freq: 4 })),
    headers: fc.tuple(...headerParams.map(optionalPart)),
    // mostly the admin, so that the routes are reached; sometimes no, wrong or malformed credentials
    auth: fc.oneof(
      { arbitrary: fc.constant('admin'), weight: 7 },
      { arbitrary: fc.constantFrom('none', 'wrong', 'bearer', 'garbage'), weight: 3 }
    ),
    contentType: fc.constantFrom('application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', op.body?.type ?? 'application/json', 'text/plain', 'application/x-www-form-urlencoded', undefined),
    body,
  }).map((r) => {
    let url = op.path
    pathParams.forEach((p, i) => { url = url.replace(`{${p.name}}`, encodeURIComponent(r.path[i])) })
    const qs = new URLSearchParams()
    queryParams.forEach((p, i) => { const v = r.query[i]; if (v !== undefined) qs.append(p.name, v as string) })
    const extra = r.query[queryParams.length] as [string, string] | undefined
    if (extra) qs.append(extra[0], extra[1])
    const headers: Record<string, string> = {}
    headerParams.forEach((p, i) => { const v = r.headers[i]; if (v !== undefined) headers[p.name] = toHeaderValue(v) })
    if (r.auth === 'admin') headers.authorization = adminAuth
    else if (r.auth === 'wrong') headers.authorization = 'Basic ' + Buffer.from('admin:not-the-password').toString('base64')
    else if (r.auth === 'bearer') headers.authorization = 'Bearer mcp_' + 'f'.repeat(40)
    else if (r.auth === 'garbage') headers.authorization = 'Basic %%%'
    const sendsBody = r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD'
    if (sendsBody && r.contentType) headers['content-type'] = r.contentType
    const query = qs.toString()
    return { method: r.method, url: query ? `${url}?${query}` : url, headers, ...(sendsBody ? { payload: r.body } : {}) }
  })
}

/** Header values are bytes on the wire: drop what Node refuses to send. */
const toHeaderValue = (v: string) => v.replace(/[^\t\x20-\x7e]/g, '').slice(0, 8000)

/** The documented operation for a method and a concrete path, if any. */
function matchOperation (ops: Operation[], method: string, url: string): Operation | undefined {
  const path = url.split('?')[0]
  const m = method === 'HEAD' ? 'GET' : method
  return ops.find((op) => op.method === m && new RegExp('^' + op.path.replace(/\{[^}]+\}/g, '[^/]*') + '$').test(path))
}

t.test('every operation of the OpenAPI document, fuzzed: no 5xx, documented statuses and bodies', async (t) => {
  const { app } = await build(t, {
    healthScheduler: false,
    bodyLimit: BODY_LIMIT,
    // the fuzz should reach the routes, not the limits: these are tested on their own
    rateLimitMax: 1_000_000,
    mcpRateLimitMax: 1_000_000,
    loginFailureMax: 1_000_000,
    loginUserFailureMax: 1_000_000,
    tokenFailureMax: 1_000_000,
  })
  const doc = app.swagger() as any
  const ops = listOperations(doc)
  t.ok(ops.length >= 60, `${ops.length} operations`)

  const ajv = new Ajv({ strict: false, allErrors: false })
  addFormats(ajv)
  const rewrite = (s: unknown): unknown => JSON.parse(JSON.stringify(s).replace(/"#\/components\//g, '"doc#/components/'))
  ajv.addSchema({ $id: 'doc', components: rewrite(doc.components) as object })
  const validators = new Map<string, ValidateFunction>()
  const validatorFor = (key: string, schema: Schema) => {
    let v = validators.get(key)
    if (!v) validators.set(key, v = ajv.compile(rewrite(schema) as object))
    return v
  }
  const errorSchema = { $ref: '#/components/schemas/Error' }

  // a few rows to address by id, so that reads, updates and deletes by id find something
  const admin = { authorization: adminAuth }
  const seed = [
    { url: '/services', payload: { name: 'fuzz-svc', url: 'http://127.0.0.1:9/' } },
    { url: '/context/agents', payload: { id: 'fuzz-agent', name: 'fuzz agent' } },
    { url: '/context/models', payload: { id: 'fuzz-model', name: 'fuzz model' } },
    { url: '/context/tasks', payload: { id: 'fuzz-task', name: 'fuzz task' } },
    { url: '/events', payload: { type: 'fuzz.seeded' } },
  ]
  const knownIds = ['fuzz-svc', 'fuzz-agent', 'fuzz-model', 'fuzz-task']
  for (const s of seed) {
    const res = await app.inject({ method: 'POST', url: s.url, headers: admin, payload: s.payload })
    if (res.statusCode < 300 && res.json().id) knownIds.push(res.json().id)
  }

  const { valid } = schemaArbitraries(doc)
  let sent = 0
  const statuses = new Map<number, number>()

  /** What is wrong with one response, or undefined. */
  function check (req: FuzzRequest, res: { statusCode: number, headers: Record<string, any>, body: string }): string | undefined {
    const status = res.statusCode
    statuses.set(status, (statuses.get(status) ?? 0) + 1)
    if (status >= 500) return `a ${status}: ${res.body.slice(0, 300)}`
    const op = matchOperation(ops, req.method, req.url)
    let schema: Schema | undefined
    if (!op) {
      // 414: the router refuses a path parameter over its bound before it knows the method is wrong
      if (![404, 405, 414].includes(status)) return `no operation for ${req.method}, yet ${status}`
      if (status === 405 && !res.headers.allow) return '405 without Allow'
      schema = errorSchema
    } else if (op.path === '/mcp') {
      return undefined // JSON-RPC answers of the MCP SDK, not in the document (test/mcp covers them)
    } else {
      const documented = op.responses[String(status)]
      if (!documented) return `status ${status} is not documented for ${op.method} ${op.path} (documented: ${Object.keys(op.responses).join(', ')})`
      schema = documented.content && Object.values(documented.content)[0]?.schema
    }
    const type = String(res.headers['content-type'] ?? '')
    if (req.method === 'HEAD' || status === 204 || !type.startsWith('application/json') || !schema) return undefined
    let body: unknown
    try { body = JSON.parse(res.body) } catch { return `a body that is not JSON: ${res.body.slice(0, 200)}` }
    const validate = validatorFor(`${op?.method} ${op?.path} ${status}`, schema)
    if (!validate(body)) return `the body does not match the documented schema: ${ajv.errorsText(validate.errors)}: ${res.body.slice(0, 300)}`
    return undefined
  }

  const perOperation = Math.ceil(RUNS / ops.filter((op) => op.path !== '/stream').length)
  const started = Date.now()
  for (const [i, op] of ops.entries()) {
    // the live stream never ends, inject would wait for it: it goes through the listener below
    if (op.path === '/stream') continue
    const result = await fc.check(fc.asyncProperty(requestArbitrary(op, valid, knownIds), async (req) => {
      sent++
      const res = await app.inject(req as any)
      const wrong = check(req, res)
      if (wrong) throw new Error(`${req.method} ${req.url.slice(0, 200)} -> ${wrong}`)
    }), { seed: SEED + i, numRuns: perOperation, endOnFailure: true })
    if (result.failed) {
      t.fail(`${op.method} ${op.path}: ${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)}`, {
        seed: result.seed,
        path: result.counterexamplePath,
        request: JSON.stringify(result.counterexample?.[0])?.slice(0, 1000),
      })
    }
  }
  const seconds = (Date.now() - started) / 1000
  t.ok(sent >= RUNS, `${sent} requests through inject in ${seconds.toFixed(1)} s (seed ${SEED})`)
  t.comment(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`)

  // A few through a real listener: the stream (which inject cannot end), and a sample of the others
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as net.AddressInfo
  const streamOp = ops.find((op) => op.path === '/stream')!
  const listenerRequests = [
    ...fc.sample(requestArbitrary(streamOp, valid, knownIds), { seed: SEED, numRuns: 40 }),
    ...ops.filter((op) => op.path !== '/stream').flatMap((op) => fc.sample(requestArbitrary(op, valid, knownIds), { seed: SEED + 1, numRuns: 2 })),
  ]
  for (const req of listenerRequests) {
    const res = await overHttp(port, req)
    // Node's own limit on the request head (16 KiB) answers before the app: a 431 with no body; and a
    // body over the limit may be cut off by the server's 413 before the client has written it all
    if (res.statusCode === 431 && req.url.length > 8000) continue
    if (res.statusCode === 0 && (req.payload?.length ?? 0) > BODY_LIMIT) continue
    const wrong = check(req, res)
    if (wrong) t.fail(`over HTTP: ${req.method} ${req.url.slice(0, 200)} -> ${wrong}`, { request: JSON.stringify(req).slice(0, 1000) })
  }
  t.pass(`${listenerRequests.length} requests through a real listener`)

  // alive: the hub answers, and the stream takes a client (no slot was leaked)
  t.equal((await app.inject({ url: '/health' })).statusCode, 200, 'alive at the end')
  const last = await overHttp(port, { method: 'GET', url: '/stream', headers: { authorization: adminAuth } })
  t.equal(last.statusCode, 200, 'the stream still takes a client')
})

/** One request over HTTP; an event stream is read until its first bytes, then dropped. */
function overHttp (port: number, req: FuzzRequest): Promise<{ statusCode: number, headers: Record<string, any>, body: string }> {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, agent: false, method: req.method, path: req.url, headers: req.headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      const done = () => resolve({ statusCode: res.statusCode!, headers: res.headers, body })
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        res.once('data', () => { r.destroy(); done() })
        return
      }
      res.on('data', (c: string) => { body += c })
      res.on('end', done)
      res.on('error', reject)
      res.on('aborted', () => resolve({ statusCode: 0, headers: {}, body: 'response aborted' }))
    })
    r.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') resolve({ statusCode: 0, headers: {}, body: `connection reset: ${err.message}` })
      else reject(err)
    })
    r.setTimeout(10_000, () => r.destroy(new Error(`no answer within 10 s: ${req.method} ${req.url.slice(0, 100)}`)))
    r.end(req.payload)
  })
}
