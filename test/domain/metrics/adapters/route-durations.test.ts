// http_request_duration_seconds: per-route recorders, cumulative buckets, and what the app records.
import t from 'tap'
import { RouteDurations } from '../../../../src/domain/metrics/adapters/route-durations.js'
import { build, adminHeaders, promSample as sample } from '../../../helper.js'

t.test('RouteDurations: buckets cumulative, +Inf, sum and count per method, route and status', async (t) => {
  const d = new RouteDurations([0.01, 0.1, 1])
  const events = d.route('/events')
  events('POST', 201, 0.005)
  events('POST', 201, 0.05)
  events('POST', 201, 5)
  events('POST', 400, 0.2)
  d.route('/health')('GET', 200, 0.001)
  const { name, type, values } = d.get()
  t.equal(name, 'http_request_duration_seconds')
  t.equal(type, 'histogram')
  const of = (metricName: string, labels: Record<string, string | number>) =>
    values.filter((v) => v.metricName === metricName && Object.entries(labels).every(([k, x]) => v.labels[k] === x)).map((v) => v.value)
  const post201 = { method: 'POST', route: '/events', status_code: '201' }
  t.same(of('http_request_duration_seconds_bucket', post201), [1, 2, 2, 3], 'le 0.01, 0.1, 1, +Inf')
  t.same(of('http_request_duration_seconds_bucket', { ...post201, le: '+Inf' }), [3])
  t.same(of('http_request_duration_seconds_count', post201), [3])
  t.same(of('http_request_duration_seconds_sum', post201), [5.055])
  t.same(of('http_request_duration_seconds_count', { method: 'POST', route: '/events', status_code: '400' }), [1])
  t.same(of('http_request_duration_seconds_bucket', { route: '/health', le: 0.01 }), [1])
})

t.test('the app records every registered route by pattern and status, and no unmatched path', async (t) => {
  const { app } = await build(t, { healthScheduler: false })
  for (let i = 0; i < 3; i++) t.equal((await app.inject({ method: 'POST', url: '/events', payload: { type: 'd' } })).statusCode, 201)
  t.equal((await app.inject({ method: 'POST', url: '/events', payload: { nope: 1 } })).statusCode, 400)
  const [first] = (await app.inject({ url: '/events', headers: adminHeaders })).json().events
  t.equal((await app.inject({ url: `/events/${first.id}`, headers: adminHeaders })).statusCode, 200)
  t.equal((await app.inject({ url: '/no/such/path-1234' })).statusCode, 404)
  const text = (await app.inject({ url: '/metrics/prometheus' })).body
  t.equal(sample(text, 'http_request_duration_seconds_count{method="POST",route="/events",status_code="201"}'), 3)
  t.equal(sample(text, 'http_request_duration_seconds_count{method="POST",route="/events",status_code="400"}'), 1)
  t.equal(sample(text, 'http_request_duration_seconds_count{method="GET",route="/events/:id",status_code="200"}'), 1, 'the pattern, not the id')
  t.equal(sample(text, 'http_request_duration_seconds_bucket{method="POST",route="/events",status_code="201",le="+Inf"}'), 3)
  t.notMatch(text, /path-1234/, 'an unmatched path is not a label')
  t.match(text, /# TYPE http_request_duration_seconds histogram/)
})
