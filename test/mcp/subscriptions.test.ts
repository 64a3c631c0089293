// Resource subscriptions: a 2026-07-28 client listening on a service's URI is told when its state
// changes (a probe target goes down); a 2025-11-25 client, served statelessly, is not offered them.
import t from 'tap'
import { startTargets } from '../fixtures/targets.js'
import { admin, agentToken, bearer, connect, startHub } from '../fixtures/mcp.js'
import { waitFor } from '../fixtures/wait.js'

t.test('a 2026-07-28 client listening on a service hears its state change, and only what it listens to', async (t) => {
  const targets = await startTargets(t)
  const { base, mcpUrl, app } = await startHub(t, { healthScheduler: false })
  await admin(base, 'POST', '/services', { name: 'cart', url: targets.base + '/toggle', failureThreshold: 1 })
  await admin(base, 'POST', '/services', { name: 'auth', url: targets.base + '/ok' })
  await app.health.refresh()
  const { token } = await agentToken(base, 'watcher', ['read'])
  const client = await connect(t, mcpUrl, bearer(token), '2026-07-28')
  t.match(client.getServerCapabilities(), { resources: { subscribe: true } })

  const updates: string[] = []
  client.setNotificationHandler('notifications/resources/updated', (n) => { updates.push(n.params.uri) })
  const sub = await client.listen({ resourceSubscriptions: ['mcp-server://services/cart'] })
  t.teardown(() => sub.close())

  targets.toggle.status = 500
  await app.health.refresh()
  await waitFor(() => updates.includes('mcp-server://services/cart'), { timeoutMs: 10_000 })
  const state = JSON.parse((await client.readResource({ uri: 'mcp-server://services/cart' })).contents[0].text as string)
  t.equal(state.service.state, 'down', 'reading it after the update shows the new state')
  t.notOk(updates.includes('mcp-server://fleet/services'), 'not listening to the fleet: not told')

  // auth does not change: no update for it; a change of auth would not reach this subscription either
  await admin(base, 'DELETE', '/services/auth')
  t.same([...new Set(updates)], ['mcp-server://services/cart'])
})

t.test('a 2025-11-25 client is served statelessly: no subscriptions offered, no standing stream', async (t) => {
  const { base, mcpUrl } = await startHub(t)
  const { token } = await agentToken(base, 'old', ['read'])
  const client = await connect(t, mcpUrl, bearer(token), '2025-11-25')
  t.equal(client.getServerCapabilities()?.resources?.subscribe, false)
  const get = await fetch(mcpUrl, { headers: { ...bearer(token), accept: 'text/event-stream', 'mcp-protocol-version': '2025-11-25' } })
  t.equal(get.status, 405, 'GET (the 2025 standing stream) is not served')
  await get.body?.cancel()
})
