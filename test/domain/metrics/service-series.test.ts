import t from 'tap'
import { createServiceSeries } from '../../../src/domain/metrics/service-series.js'

// A series object filled the same way as `live`, but rendered once from scratch: what the cached
// exposition must equal byte for byte.
type Step = (s: ReturnType<typeof createServiceSeries>) => void
const fresh = (steps: Step[], services: Array<{ name: string, state: string }>) => {
  const s = createServiceSeries()
  for (const step of steps) step(s)
  return s.render(services).toString()
}

t.test('the cached exposition changes with one service and equals a fresh render', async (t) => {
  const live = createServiceSeries()
  const steps: Step[] = []
  const apply = (step: Step) => { steps.push(step); step(live) }
  let services = [{ name: 'a', state: 'up' }, { name: 'b"q', state: 'down' }, { name: 'c', state: 'unknown' }]

  apply((s) => s.observeProbe('a', 0.03))
  apply((s) => s.observeProbe('b"q', 7))
  apply((s) => s.setUptime('a', { '24h': 1, '7d': 0.5, '30d': null }))
  const first = live.render(services)
  t.equal(first.toString(), fresh(steps, services))
  t.match(first.toString(), 'mcp_service_up{service="b\\"q"} 0\n', 'label values escaped')
  t.match(first.toString(), 'mcp_probe_duration_seconds_bucket{le="0.05",service="a"} 1\n')
  t.notMatch(first.toString(), 'mcp_probe_duration_seconds_count{service="c"}', 'no histogram for a service never probed')
  t.equal(live.render(services), first, 'nothing changed: the same buffer is answered again')

  // one probe of one service: only its histogram lines differ
  apply((s) => s.observeProbe('a', 0.2))
  const second = live.render(services)
  t.not(second, first)
  t.equal(second.toString(), fresh(steps, services))
  const diff = second.toString().split('\n').filter((l, i) => l !== first.toString().split('\n')[i])
  t.ok(diff.length > 0 && diff.every((l) => l.includes('service="a"')), `only a's lines changed: ${diff.join(' | ')}`)

  // a state change, an uptime change, a service gone and one added
  services = [{ name: 'a', state: 'degraded' }, { name: 'c', state: 'up' }, { name: 'd', state: 'paused' }]
  apply((s) => s.setUptime('c', { '24h': 0.25 }))
  const third = live.render(services).toString()
  t.equal(third, fresh(steps, services))
  t.match(third, 'mcp_service_up{service="a"} 1\n')
  t.match(third, 'mcp_service_state{service="a",state="degraded"} 1\n')
  t.match(third, 'mcp_service_uptime_ratio{service="c",window="24h"} 0.25\n')
  t.match(third, 'mcp_service_state{service="d",state="paused"} 1\n')
  t.notMatch(third, 'b\\"q', 'a removed service is forgotten')

  // the same uptime again changes nothing; a reordered list renders again, in the new order
  const cached = live.render(services)
  live.setUptime('c', { '24h': 0.25 })
  t.equal(live.render(services), cached, 'an unchanged uptime keeps the cached buffer')
  const reordered = [...services].reverse()
  t.equal(live.render(reordered).toString(), fresh(steps, reordered))
})
