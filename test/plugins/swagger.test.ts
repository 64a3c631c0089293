import t from 'tap'
import { Validator } from '@seriousme/openapi-schema-validator'
import { build } from '../helper.js'

t.test('the OpenAPI document validates and documents every route', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ url: '/docs/json' })
  t.equal(res.statusCode, 200)
  const doc = res.json()
  const validator = new Validator()
  const result = await validator.validate(doc)
  t.ok(result.valid, JSON.stringify(result.errors ?? '').slice(0, 2000))
  t.equal(validator.version, '3.0')
  for (const name of ['Error', 'Event', 'EventInput', 'EventPage', 'BatchResult']) t.ok(doc.components.schemas[name], `component ${name}`)
  let ops = 0
  for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, { tags?: string[], summary?: string, responses?: Record<string, unknown> }>>)) {
    for (const [method, op] of Object.entries(methods)) {
      ops++
      t.ok(op.tags?.length, `${method} ${path} has tags`)
      t.ok(op.summary, `${method} ${path} has a summary`)
      t.ok(Object.keys(op.responses ?? {}).some((c) => c.startsWith('2')), `${method} ${path} has a success response schema`)
    }
  }
  t.ok(ops >= 5)
  t.ok(doc.paths['/events'].post.requestBody, 'POST /events documents its body')
})

t.test('Swagger UI is served at /docs', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ url: '/docs/' })
  t.equal(res.statusCode, 200)
  t.match(res.body, /swagger-ui/i)
})
