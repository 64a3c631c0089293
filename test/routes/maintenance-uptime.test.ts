// Maintenance time is excluded from uptime: checks taken in a window are kept in history, not counted.
import t from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { build, adminHeaders } from '../helper.js'

t.test('checks during a maintenance window do not count against uptime', async (t) => {
  const target = http.createServer((_req, res) => { res.statusCode = 500; res.end('broken') })
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve))
  t.teardown(() => target.close())
  const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/health`
  const { app } = await build(t, { healthScheduler: false })
  t.equal((await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name: 'cart', url, interval: 30_000, timeout: 1000 } })).statusCode, 201)
  t.equal((await app.inject({ method: 'POST', url: '/services', headers: adminHeaders, payload: { name: 'order', url, interval: 30_000, timeout: 1000 } })).statusCode, 201)
  // a window open all day, every day, for cart only
  const win = await app.inject({ method: 'POST', url: '/maintenance', headers: adminHeaders, payload: { id: 'all-day', services: ['cart'], weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '00:00', timeZone: 'UTC' } })
  t.equal(win.statusCode, 201, win.body)
  t.ok(app.notifier.inMaintenance('cart', Date.now()))
  for (let i = 0; i < 3; i++) t.equal((await app.inject({ url: '/check-services?refresh=true', headers: adminHeaders })).statusCode, 200)
  const cart = (await app.inject({ url: '/services/cart', headers: adminHeaders })).json()
  const order = (await app.inject({ url: '/services/order', headers: adminHeaders })).json()
  t.equal(order.uptime['24h'].checks, 3, 'outside maintenance every check counts')
  t.equal(order.uptime['24h'].down, 3)
  t.equal(cart.uptime['24h'].checks, 0, 'in maintenance no check counts')
  t.equal(cart.uptime['24h'].ratio, null)
  const history = (await app.inject({ url: '/services/cart/history', headers: adminHeaders })).json()
  t.equal(history.checks.length, 3, 'the checks are kept in history')
  t.ok(history.checks.every((c: { maintenance: boolean }) => c.maintenance), 'marked as taken in maintenance')
})
