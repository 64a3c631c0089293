// The hub's metrics read the services once per scrape into rows reused from scrape to scrape: what a
// scrape and the JSON summary say must still follow every change of the fleet (states, services added
// and removed), count each state once, and leave paused services out of the uptime percentage.
import t from 'tap'
import { createMetrics } from '../../../../src/domain/metrics/adapters/hub-metrics.js'
import { createBus } from '../../../../src/domain/shared/bus.js'
import { promSample as sample } from '../../../helper.js'

function hub (fleet: Array<{ name: string, state: string }>) {
  const metrics = createMetrics({
    eachService: (visit) => { for (const s of fleet) visit(s.name, s.state) },
    eventsStored: () => 0,
    auditEntries: () => 0,
    testsStatus: async () => null,
    deliveries: async () => [],
    stream: () => ({ clients: 0, slowDisconnects: 0 }),
    cluster: () => ({ role: 'leader', leaderToken: null, changes: 0 }),
  }, createBus())
  t.teardown(() => metrics.close())
  return metrics
}

const scrape = async (m: ReturnType<typeof createMetrics>) => Buffer.concat(await m.exposition()).toString()

t.test('each state is counted once; paused services are outside the uptime percentage', async (t) => {
  const fleet = [
    { name: 'a', state: 'up' }, { name: 'b', state: 'up' }, { name: 'c', state: 'degraded' },
    { name: 'd', state: 'down' }, { name: 'e', state: 'paused' }, { name: 'f', state: 'unknown' },
  ]
  const m = hub(fleet)
  t.match(await m.summary(), { healthy: 2, degraded: 1, unhealthy: 1, total: 6, uptime: 60 })
  const text = await scrape(m)
  t.equal(sample(text, 'mcp_total_services'), 6)
  t.equal(sample(text, 'mcp_healthy_services'), 2)
  t.equal(sample(text, 'mcp_uptime_percent'), 60, '3 answering of 5 monitored')
  t.match(text, 'mcp_service_state{service="e",state="paused"} 1\n')

  // only paused services: nothing monitored counts as fully up
  const idle = hub([{ name: 'p', state: 'paused' }])
  t.match(await idle.summary(), { total: 1, uptime: 100 })
})

t.test('a scrape follows changes of state, and services added and removed, through the reused rows', async (t) => {
  const fleet = [{ name: 'a', state: 'up' }, { name: 'b', state: 'up' }, { name: 'c', state: 'up' }]
  const m = hub(fleet)
  t.equal(sample(await scrape(m), 'mcp_healthy_services'), 3)

  fleet[1].state = 'down'
  let text = await scrape(m)
  t.equal(sample(text, 'mcp_healthy_services'), 2)
  t.match(text, 'mcp_service_up{service="b"} 0\n')

  fleet.splice(0, 1) // a removed: the rows shrink, and a's series go
  text = await scrape(m)
  t.equal(sample(text, 'mcp_total_services'), 2)
  t.notMatch(text, 'service="a"')
  t.match(text, 'mcp_service_up{service="c"} 1\n')

  fleet.push({ name: 'd', state: 'degraded' }, { name: 'e', state: 'up' })
  text = await scrape(m)
  t.equal(sample(text, 'mcp_total_services'), 4)
  t.match(text, /mcp_service_up\{service="b"\} 0\nmcp_service_up\{service="c"\} 1\nmcp_service_up\{service="d"\} 1\nmcp_service_up\{service="e"\} 1\n/, 'every service once, in the fleet\'s order')
  t.match(await m.summary(), { healthy: 2, degraded: 1, unhealthy: 1, total: 4, uptime: 75 })
})

t.test('overlapping scrapes each answer a whole exposition of the fleet', async (t) => {
  const fleet = Array.from({ length: 50 }, (_, i) => ({ name: `s${i}`, state: i % 5 === 0 ? 'down' : 'up' }))
  const m = hub(fleet)
  const texts = await Promise.all([scrape(m), m.summary(), scrape(m)])
  for (const text of [texts[0], texts[2]] as string[]) {
    t.equal(sample(text, 'mcp_total_services'), 50)
    t.equal(sample(text, 'mcp_healthy_services'), 40)
    t.equal(text.split('\n').filter((l) => l.startsWith('mcp_service_up{')).length, 50)
  }
  t.match(texts[1], { healthy: 40, unhealthy: 10, total: 50 })
})
