// The notifier's SQLite area through the storage port: in-order delivery per channel, retention.
import t from 'tap'
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store.js'
import { openAlert, resolveAlert } from '../../../src/domain/notifier/alert-machine.js'
import type { OutboxMessage } from '../../../src/store/ports/notifier.js'
import { tempDir } from '../../helper.js'

const message = (id: string, channelId: string, createdAt: number, nextAttemptAt = createdAt): OutboxMessage => ({
  id, channelId, kind: 'firing', payload: { id }, alertIds: ['a1'], status: 'pending', attempts: 0, createdAt, nextAttemptAt, sentAt: null, lastError: null,
})

t.test('only the oldest pending message of each channel is due; grouping an item twice is refused', async (t) => {
  const store = await createSqliteStore({ dataDir: tempDir(t) })
  t.teardown(() => store.close())
  const n = store.notifier
  await n.record({ items: [{ id: 'i1', channelId: 'a', alertId: 'a1', snapshot: {}, createdAt: 1 }] })
  await n.enqueue(message('m1', 'a', 10, 500), ['i1'])   // waiting for a retry at 500
  await n.enqueue(message('m2', 'a', 20), [])           // due, but behind m1
  await n.enqueue(message('m3', 'b', 30), [])
  t.same((await n.dueMessages(100, 10)).map((m) => m.id), ['m3'], 'm2 waits behind m1 on channel a')
  t.same((await n.dueMessages(600, 10)).map((m) => m.id).sort(), ['m1', 'm3'])
  await n.recordAttempt({ messageId: 'm1', channelId: 'a', kind: 'firing', alertIds: ['a1'], attempt: 1, at: 600, outcome: 'success', statusCode: 200, error: null, durationMs: 1 },
    { status: 'sent', attempts: 1, nextAttemptAt: 500, sentAt: 600, lastError: null })
  t.same((await n.dueMessages(600, 10)).map((m) => m.id).sort(), ['m2', 'm3'], 'm2 goes once m1 is sent')
  await t.rejects(n.enqueue(message('m4', 'a', 40), ['i1']), /already grouped/)
  t.equal((await n.dueMessages(600, 10)).some((m) => m.id === 'm4'), false, 'the refused message was not stored')
  t.same((await n.deliveries({ alertId: 'a1', limit: 10 })).map((d) => d.messageId), ['m1'])
  t.same(await n.deliveries({ alertId: 'other', limit: 10 }), [])
})

t.test('retention deletes old log rows, finished messages and resolved alerts, never pending ones', async (t) => {
  const store = await createSqliteStore({ dataDir: tempDir(t) })
  t.teardown(() => store.close())
  const n = store.notifier
  const old = resolveAlert(openAlert({ id: 'old', ruleId: 'r', service: 's', services: ['s'], severity: 'critical', cause: null, incidentId: null, channels: ['a'], suppressedBy: null, now: 100 }).alert, 200).alert
  const firing = openAlert({ id: 'live', ruleId: 'r', service: 't', services: ['t'], severity: 'critical', cause: null, incidentId: null, channels: ['a'], suppressedBy: null, now: 100 }).alert
  await n.record({ alerts: [old, firing] })
  await n.enqueue(message('sent', 'a', 100), [])
  await n.recordAttempt({ messageId: 'sent', channelId: 'a', kind: 'firing', alertIds: ['old'], attempt: 1, at: 150, outcome: 'success', statusCode: 200, error: null, durationMs: 1 },
    { status: 'sent', attempts: 1, nextAttemptAt: 100, sentAt: 150, lastError: null })
  await n.enqueue(message('pending', 'b', 100), [])
  t.equal(await n.prune(1000), 3, 'one delivery, one sent message, one resolved alert')
  t.same(await n.deliveries({ limit: 10 }), [])
  t.same((await n.alerts({ limit: 10 })).map((a) => a.id), ['live'])
  t.equal(await n.pendingCount(), 1, 'the pending message stays')
})
