// A method no route of a path has answers 405 with Allow listing the methods it has (and before its
// body is parsed); a path no route has answers 404 Not Found. Both in the shared error shape.
import t from 'tap'
import { build, adminHeaders } from '../helper.js'

t.test('405 with Allow for a method the path does not have', async (t) => {
  const { app } = await build(t, { healthScheduler: false })
  const cases: Array<[string, string, string]> = [
    ['PUT', '/events', 'GET, HEAD, POST'],
    ['DELETE', '/health', 'GET, HEAD'],
    ['POST', '/services/order', 'DELETE, GET, HEAD, PATCH, PUT'],
    ['GET', '/import', 'POST'],
    ['PATCH', '/alerts/a1/ack', 'POST'],
    ['OPTIONS', '/metrics', 'GET, HEAD'],
  ]
  for (const [method, url, allow] of cases) {
    const res = await app.inject({ method: method as 'GET', url, headers: adminHeaders })
    t.equal(res.statusCode, 405, `${method} ${url}`)
    t.equal(res.headers.allow, allow, `${method} ${url}: Allow`)
    t.match(res.headers['content-type'], /^application\/json/)
    t.same(res.json(), { statusCode: 405, error: 'Method Not Allowed', message: `${method} is not allowed on ${url}; allowed: ${allow}` })
  }
  const headOnly = await app.inject({ method: 'HEAD', url: '/import' })
  t.equal(headOnly.statusCode, 405)
  t.equal(headOnly.headers.allow, 'POST')
})

t.test('405 comes before the body is parsed, and with a querystring', async (t) => {
  const { app } = await build(t, { healthScheduler: false })
  const badJson = await app.inject({ method: 'DELETE', url: '/events?limit=5', headers: { 'content-type': 'application/json' }, payload: '{"broken' })
  t.equal(badJson.statusCode, 405)
  t.equal(badJson.headers.allow, 'GET, HEAD, POST')
  const proto = await app.inject({ method: 'PUT', url: '/services', headers: { 'content-type': 'application/json' }, payload: '{"__proto__":{"x":1}}' })
  t.equal(proto.statusCode, 405)
})

t.test('404 Not Found for a path no route has, whatever the method', async (t) => {
  const { app } = await build(t, { healthScheduler: false })
  for (const method of ['GET', 'POST', 'DELETE'] as const) {
    const res = await app.inject({ method, url: '/nowhere/at/all?x=1' })
    t.equal(res.statusCode, 404, method)
    t.equal(res.headers.allow, undefined)
    t.same(res.json(), { statusCode: 404, error: 'Not Found', message: `no route ${method} /nowhere/at/all` })
  }
  // an existing route that does not find its row is a 404 too, with its own message
  const missing = await app.inject({ url: '/services/nope', headers: adminHeaders })
  t.equal(missing.statusCode, 404)
  t.match(missing.json(), { statusCode: 404, error: 'Not Found' })
})
