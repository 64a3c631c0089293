import t from 'tap'
import { build, adminHeaders } from './helper.js'

t.test('a single event is stored and can be read back', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'POST', url: '/events', payload: { type: 'order.created', source: 'order', payload: { orderId: 7 }, severity: 'INFO' } })
  t.equal(res.statusCode, 201)
  const ev = res.json()
  t.match(ev, { type: 'order.created', source: 'order', severity: 'INFO', payload: { orderId: 7 } })
  t.match(ev.id, /^[0-9A-HJKMNP-TV-Z]{26}$/)
  const got = await app.inject({ url: `/events/${ev.id}`, headers: adminHeaders })
  t.equal(got.statusCode, 200)
  t.same(got.json(), ev)
})
