// audit() against a real hub: a token holder's entry is on the trail, attributed to its credential;
// a batch gets a receipt per entry; no credential and a bad entry are refused with the hub's reason.
import t from 'tap'
import { HubError, createHubClient } from '../src/index.js'
import { adminHeaders, recordingLogger, startHub } from './fixtures/hub.js'

const token = 'kit-audit-token-0123456789'

t.test('audit() appends to the trail with the service token; refusals throw HubError', async (t) => {
  const hub = await startHub(t, { ingestTokens: [token] })
  const client = createHubClient({ url: hub.url, token, source: 'order', logger: recordingLogger() })
  t.teardown(() => client.close(0))

  const stored = await client.audit({ actor: { type: 'service', id: 'order' }, action: 'order.refund', target: { type: 'order', id: 'A-17' }, outcome: 'success', metadata: { amount: 12.5 } })
  t.match(stored, { action: 'order.refund', actor: { type: 'service', id: 'order' }, outcome: 'success', submittedBy: /^service:token-/ })
  t.type(stored.seq, 'number')

  const receipts = await client.audit([{ agent: 'checkout-bot', action: 'cart.clear' }, { actor: { type: 'service', id: 'order' }, action: 'order.cancel' }])
  t.equal(receipts.accepted.length, 2)
  t.same(receipts.accepted.map((r) => r.index), [0, 1])

  const trail = await hub.app.inject({ url: '/audit?action=order.', headers: adminHeaders })
  t.same(trail.json().entries.map((e: { action: string }) => e.action).sort(), ['order.cancel', 'order.refund'])

  const anonymous = createHubClient({ url: hub.url, source: 'order', logger: recordingLogger() })
  t.teardown(() => anonymous.close(0))
  const refused = await anonymous.audit({ action: 'order.refund', agent: 'x' }).catch((e: unknown) => e)
  t.ok(refused instanceof HubError)
  t.match(refused, { status: 401, message: /audit not stored: HTTP 401/ })

  const invalid = await client.audit({ actor: { type: 'service', id: 'order' }, action: '' }).catch((e: unknown) => e)
  t.match(invalid, { name: 'HubError', status: 400, message: /action/ })
  t.equal((await hub.app.inject({ url: '/audit?action=order.', headers: adminHeaders })).json().entries.length, 2, 'nothing half-stored')
})
