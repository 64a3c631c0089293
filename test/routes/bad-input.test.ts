// Bad input is a 4xx JSON error naming the field, never a 500, and nothing is half stored: missing and
// null bodies, non-finite numbers in query strings, over-long path parameters (after auth), numbers
// where a body expects strings, and what the router and the content-type parser refuse.
import t from 'tap'
import { build, adminHeaders } from '../helper.js'

const json = { ...adminHeaders, 'content-type': 'application/json' }
const errorShape = (status: number, error: string, message: RegExp) => ({ statusCode: status, error, message })

t.test('a missing or null body is 400 naming the body, and nothing is stored', async (t) => {
  const { app } = await build(t, { healthScheduler: false })
  const routes: Array<[string, string]> = [
    ['POST', '/services'], ['PUT', '/services/order'], ['PATCH', '/services/order'], ['POST', '/events'], ['POST', '/audit'],
    ['POST', '/context/agents'], ['POST', '/notifications/channels'], ['POST', '/notifications/rules'], ['POST', '/maintenance'], ['POST', '/silences'],
  ]
  for (const [method, url] of routes) {
    for (const payload of [undefined, 'null']) {
      const res = await app.inject({ method: method as 'POST', url, headers: payload ? json : adminHeaders, ...(payload ? { payload } : {}) })
      t.equal(res.statusCode, 400, `${method} ${url} with ${payload ?? 'no'} body`)
      t.match(res.json(), errorShape(400, 'Bad Request', /^body /), `${method} ${url}: the message names the body`)
    }
  }
  t.same((await app.inject({ url: '/services', headers: adminHeaders })).json(), [], 'no service stored')
  t.same((await app.inject({ url: '/events', headers: adminHeaders })).json().events, [], 'no event stored')
})

t.test('Infinity, 1e309 and NaN in a numeric query are 400 naming the parameter', async (t) => {
  const { app } = await build(t, { healthScheduler: false })
  const urls = ['/events?limit=', '/audit?limit=', '/uptime/daily?days=', '/context/agents?limit=', '/notifications/deliveries?limit=', '/alerts?limit=']
  for (const url of urls) {
    for (const value of ['Infinity', '-Infinity', '1e309', 'NaN']) {
      const res = await app.inject({ url: url + value, headers: adminHeaders })
      const name = url.slice(url.indexOf('?') + 1, -1)
      t.equal(res.statusCode, 400, url + value)
      t.match(res.json(), errorShape(400, 'Bad Request', new RegExp(`^querystring/${name} must be`)), url + value)
    }
  }
  // query strings still coerce: "2" is the number 2
  for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: '/events', payload: { type: 'coerced' } })
  const page = await app.inject({ url: '/events?limit=2', headers: adminHeaders })
  t.equal(page.statusCode, 200)
  t.equal(page.json().events.length, 2, 'limit=2 coerced to a number')
})

t.test('path parameters over their length: 401 first without credentials, then 414 naming the parameter', async (t) => {
  const { app } = await build(t, { healthScheduler: false })
  const cases = [`/events/${'e'.repeat(201)}`, `/services/${'s'.repeat(64)}`, `/context/agents/${'a'.repeat(5000)}`, `/notifications/channels/${'c'.repeat(16_000)}`]
  for (const url of cases) {
    const anonymous = await app.inject({ url })
    t.equal(anonymous.statusCode, 401, `${url.slice(0, 30)}… anonymous: auth answers first`)
    const res = await app.inject({ url, headers: adminHeaders })
    t.equal(res.statusCode, 414, `${url.slice(0, 30)}…`)
    t.match(res.json(), errorShape(414, 'URI Too Long', /^params\/(id|name) must NOT have more than \d+ characters/))
  }
  // past the router's own bound (16384) the router answers, in the same shape, without echoing the path
  const huge = await app.inject({ url: `/events/${'x'.repeat(20_000)}`, headers: adminHeaders })
  t.equal(huge.statusCode, 414)
  t.match(huge.json(), errorShape(414, 'URI Too Long', /longer than 16384 characters/))
  t.ok(huge.body.length < 300, 'the path is not echoed')
  const badUrl = await app.inject({ url: '/events/%zz', headers: adminHeaders })
  t.equal(badUrl.statusCode, 400)
  t.match(badUrl.json(), errorShape(400, 'Bad Request', /not valid/))
})

t.test('bodies are not coerced: a number where a string is expected is refused; nothing stored', async (t) => {
  const { app } = await build(t, { healthScheduler: false })
  const agent = await app.inject({ method: 'POST', url: '/context/agents', headers: adminHeaders, payload: { id: 'a1', name: 5 } })
  t.equal(agent.statusCode, 400)
  t.match(agent.json(), errorShape(400, 'Bad Request', /^body\/name must be string/))
  t.equal((await app.inject({ url: '/context/agents/a1', headers: adminHeaders })).statusCode, 404, 'not stored')
  const service = await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name: 'svc', url: 12345 } })
  t.equal(service.statusCode, 400)
  t.match(service.json(), errorShape(400, 'Bad Request', /^body\/url /))
  const event = await app.inject({ method: 'POST', url: '/events', payload: { type: 42 } })
  t.equal(event.statusCode, 400)
  t.match(event.json(), errorShape(400, 'Bad Request', /^body\/type /))
  t.same((await app.inject({ url: '/services', headers: adminHeaders })).json(), [])
})

t.test('the router and the content-type parser answer in the shared error shape', async (t) => {
  const { app } = await build(t, { healthScheduler: false, bodyLimit: 2048 })
  const badJson = await app.inject({ method: 'POST', url: '/events', headers: { 'content-type': 'application/json' }, payload: '{"type":' })
  t.equal(badJson.statusCode, 400)
  t.match(badJson.json(), errorShape(400, 'Bad Request', /JSON/))
  const xml = await app.inject({ method: 'POST', url: '/events', headers: { 'content-type': 'application/xml' }, payload: '<event/>' })
  t.equal(xml.statusCode, 415)
  t.match(xml.json(), errorShape(415, 'Unsupported Media Type', /./))
  const big = await app.inject({ method: 'POST', url: '/events', payload: { type: 'big', payload: { s: 'x'.repeat(4096) } } })
  t.equal(big.statusCode, 413)
  t.match(big.json(), errorShape(413, 'Payload Too Large', /too large/))
  const unknown = await app.inject({ url: '/no/such/thing' })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json(), errorShape(404, 'Not Found', /no route GET \/no\/such\/thing/))
})

t.test('the OpenAPI document lists the generic error answers of each operation', async (t) => {
  const { app } = await build(t, { healthScheduler: false })
  const doc = app.swagger() as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>> }
  const codes = (path: string, method: string) => Object.keys(doc.paths[path][method].responses)
  t.match(codes('/health', 'get'), ['200', '429', '500'])
  for (const c of ['400', '401', '404', '414', '429', '500']) t.ok(codes('/events/{id}', 'get').includes(c), `GET /events/{id} documents ${c}`)
  for (const c of ['400', '401', '404', '413', '414', '415', '429', '500']) t.ok(codes('/services/{name}', 'put').includes(c), `PUT /services/{name} documents ${c}`)
  t.notOk(codes('/services', 'get').includes('414'), 'no 414 without path parameters')
  t.same(doc.paths['/events/{id}'].get.responses['414'].content!['application/json'].schema, { $ref: '#/components/schemas/Error' })
  t.ok(codes('/events', 'post').includes('400') && codes('/events', 'post').includes('207'), "a route's own entries are kept")
})
