// Routes whose body the domain validates still have their params, querystring and headers validated
// (and coerced) by Ajv: one helper, bodyCheckedByDomain, turns off the body's validation only.
import t from 'tap'
import Fastify from 'fastify'
import { Type } from '@sinclair/typebox'
import { build, adminHeaders } from '../helper.js'
import { buildValidator, bodyCheckedByDomain } from '../../src/http/validation.js'

t.test('a bad param on a domain-validated route answers 400 (414 when too long) naming the field', async (t) => {
  const { app } = await build(t, { healthScheduler: false })
  const cases: Array<{ method: 'PUT' | 'PATCH', url: string, status: number, message: RegExp }> = [
    { method: 'PUT', url: `/services/${'s'.repeat(64)}`, status: 414, message: /^params\/name must NOT have more than 63 characters/ },
    { method: 'PATCH', url: `/services/${'s'.repeat(64)}`, status: 414, message: /^params\/name must NOT have more than 63 characters/ },
    { method: 'PUT', url: `/notifications/channels/${'c'.repeat(101)}`, status: 414, message: /^params\/id must NOT have more than 100 characters/ },
    { method: 'PUT', url: '/notifications/channels/', status: 400, message: /^params\/id must NOT have fewer than 1 characters/ },
    { method: 'PUT', url: '/notifications/rules/', status: 400, message: /^params\/id must NOT have fewer than 1 characters/ },
    { method: 'PUT', url: '/maintenance/', status: 400, message: /^params\/id must NOT have fewer than 1 characters/ },
  ]
  for (const c of cases) {
    const res = await app.inject({ method: c.method, url: c.url, headers: adminHeaders, payload: {} })
    t.equal(res.statusCode, c.status, `${c.method} ${c.url.slice(0, 40)}`)
    t.match(res.json(), { statusCode: c.status, error: c.status === 414 ? 'URI Too Long' : 'Bad Request', message: c.message })
  }
  // the body is still the domain's: its message names the body's field, as before
  const body = await app.inject({ method: 'PUT', url: '/services/order', headers: adminHeaders, payload: { url: 'http://127.0.0.1:9/', interval: 'often' } })
  t.equal(body.statusCode, 404, 'an unknown service, before its body is looked at')
  const created = await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name: 'order', url: 'http://127.0.0.1:9/', interval: 'often' } })
  t.equal(created.statusCode, 400)
  t.match(created.json().message, /interval/)
  // a good param passes
  t.equal((await app.inject({ method: 'PATCH', url: '/services/order', headers: adminHeaders, payload: { timeout: 1000 } })).statusCode, 404)
})

t.test('bodyCheckedByDomain: the body as sent; params, querystring and headers validated and coerced', async (t) => {
  const app = Fastify({ schemaController: { compilersFactory: { buildValidator } } })
  t.teardown(() => app.close())
  app.addSchema({ $id: 'Limit', type: 'integer', minimum: 1, maximum: 100 })
  app.post('/things/:n', {
    validatorCompiler: bodyCheckedByDomain(app),
    schema: {
      params: Type.Object({ n: Type.Integer({ minimum: 1 }) }),
      querystring: Type.Object({ limit: Type.Optional(Type.Ref('Limit')), dry: Type.Boolean({ default: false }) }, { additionalProperties: false }),
      headers: Type.Object({ 'x-tenant': Type.Optional(Type.String({ maxLength: 5 })) }),
      body: Type.Object({ size: Type.Integer() }),
    },
  }, async (req) => ({ params: req.params, query: req.query, body: req.body }))

  const ok = await app.inject({ method: 'POST', url: '/things/3?dry=true', payload: { size: 'big', extra: true } })
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { params: { n: 3 }, query: { dry: true }, body: { size: 'big', extra: true } }, 'coerced, defaults applied, the body untouched')
  const bad = async (url: string, headers: Record<string, string> = {}) => (await app.inject({ method: 'POST', url, headers, payload: {} })).json()
  t.match(await bad('/things/zero'), { statusCode: 400, message: /^params\/n must be integer/ })
  t.match(await bad('/things/0'), { statusCode: 400, message: /^params\/n must be >= 1/ })
  t.match(await bad('/things/3?limit=abc'), { statusCode: 400, message: /^querystring\/limit must be integer/ })
  t.match(await bad('/things/3?limit=500'), { statusCode: 400, message: /^querystring\/limit must be <= 100/ }, 'a shared schema by $ref')
  t.match(await bad('/things/3?dry=perhaps'), { statusCode: 400, message: /^querystring\/dry must be boolean/ })
  t.same((await app.inject({ method: 'POST', url: '/things/3?limit=7', payload: {} })).json().query, { limit: 7, dry: false }, 'a default applied')
  t.match(await bad('/things/3', { 'x-tenant': 'too-long' }), { statusCode: 400, message: /^headers\/x-tenant must NOT have more than 5 characters/ })
})
