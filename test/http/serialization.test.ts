// Response serialisation with only the shared schemas a route reaches: the right ones are found
// (through one another, to any depth), and responses come out as with every schema given.
import t from 'tap'
import Fastify from 'fastify'
import { buildSerializer, reachableSchemas } from '../../src/http/serialization.js'

const shared = {
  Money: { $id: 'Money', type: 'object', properties: { amount: { type: 'number' }, currency: { type: 'string' } } },
  Line: { $id: 'Line', type: 'object', properties: { sku: { type: 'string' }, price: { $ref: 'Money#' } } },
  Order: { $id: 'Order', type: 'object', properties: { id: { type: 'string' }, lines: { type: 'array', items: { $ref: 'Line' } }, total: { $ref: 'Money#/' } } },
  Unused: { $id: 'Unused', type: 'object', properties: { x: { type: 'string' } } },
}

t.test('reachableSchemas follows $ref through shared schemas and leaves the others out', async (t) => {
  t.same(Object.keys(reachableSchemas({ $ref: 'Order#' }, shared)).sort(), ['Line', 'Money', 'Order'])
  t.same(Object.keys(reachableSchemas({ type: 'object', properties: { p: { $ref: 'Money' } } }, shared)), ['Money'])
  t.same(reachableSchemas({ type: 'string' }, shared), {}, 'no $ref: no shared schema')
  t.same(reachableSchemas({ definitions: { a: { type: 'string' } }, properties: { a: { $ref: '#/definitions/a' } } }, shared), {}, 'a local $ref needs none')
  t.equal(reachableSchemas({ $ref: 'Elsewhere#' }, shared), shared, 'a $ref it cannot name keeps every shared schema')
  const cyclic = { Node: { $id: 'Node', type: 'object', properties: { next: { $ref: 'Node#' } } } }
  t.same(Object.keys(reachableSchemas({ $ref: 'Node#' }, cyclic)), ['Node'], 'a cycle ends')
})

t.test('a route serialises through shared schemas as Fastify does with every one given', async (t) => {
  const app = Fastify({ schemaController: { compilersFactory: { buildSerializer } } })
  t.teardown(() => app.close())
  for (const s of Object.values(shared)) app.addSchema(s)
  app.get('/order', { schema: { response: { 200: { $ref: 'Order#' } } } }, async () => ({
    id: 'o-1', secret: 'never out', lines: [{ sku: 'ROSE', price: { amount: 2.5, currency: 'EUR', internal: 1 } }], total: { amount: 2.5, currency: 'EUR' },
  }))
  const res = await app.inject({ url: '/order' })
  t.equal(res.statusCode, 200)
  t.same(JSON.parse(res.body), { id: 'o-1', lines: [{ sku: 'ROSE', price: { amount: 2.5, currency: 'EUR' } }], total: { amount: 2.5, currency: 'EUR' } }, 'fields outside the schemas are left out, at every depth')
})
