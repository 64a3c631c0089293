// Registry changes are audited in the route layer (app.audit.change), like every other admin change:
// the same actions, targets, metadata and failures as when the registry audited them itself.
import t from 'tap'
import { build, adminHeaders } from '../helper.js'

interface Entry { action: string, outcome: string, target: { type: string, id: string } | null, metadata: Record<string, unknown>, reason: string | null, actor: { type: string, id: string }, submittedBy: string }

t.test('context changes: success and refusals, with their metadata and the caller as actor', async (t) => {
  const { app } = await build(t, { healthScheduler: false })
  const h = adminHeaders
  const send = (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => app.inject({ method, url, headers: h, ...(payload === undefined ? {} : { payload }) })
  const entries = async () => ((await app.inject({ url: '/audit?action=context.&limit=100', headers: h })).json().entries as Entry[]).reverse()

  t.equal((await send('POST', '/context/models', { id: 'gpt-4', name: 'GPT-4' })).statusCode, 201)
  t.equal((await send('POST', '/context/models', { id: 'gpt-4', name: 'again' })).statusCode, 409)
  const task = (await send('POST', '/context/tasks', { name: 'tests' })).json()
  t.equal((await send('POST', '/context/agents', { id: 'a1', name: 'Helper' })).statusCode, 201)
  t.equal((await send('PATCH', '/context/agents/a1', { status: 'paused', owner: 'ops' })).statusCode, 200)
  t.equal((await send('PATCH', '/context/agents/a1', { name: 'Helper 2' })).statusCode, 200)
  t.equal((await send('PATCH', '/context/agents/a1', { status: 'retired' })).statusCode, 200)
  t.equal((await send('PATCH', '/context/agents/a1', { status: 'active' })).statusCode, 409)
  t.equal((await send('PATCH', '/context/agents/nope', { status: 'paused' })).statusCode, 404, 'an unknown id')
  t.equal((await send('DELETE', '/context/models/gpt-4')).statusCode, 204)
  const again = await send('DELETE', '/context/models/gpt-4')
  t.equal(again.statusCode, 404)
  t.same(again.json(), { statusCode: 404, error: 'Not Found', message: 'no model with id gpt-4' })

  const log = await entries()
  t.same(log.map((e) => `${e.action}:${e.outcome}:${e.target?.id}`), [
    'context.model.create:success:gpt-4',
    'context.model.create:failure:gpt-4',
    `context.task.create:success:${task.id}`,
    'context.agent.create:success:a1',
    'context.agent.update:success:a1',
    'context.agent.update:success:a1',
    'context.agent.update:success:a1',
    'context.agent.update:failure:a1',
    'context.model.delete:success:gpt-4',
  ], 'an unknown id on update and a second delete are not recorded')
  for (const e of log) t.match(e, { actor: { type: 'user', id: 'admin' }, submittedBy: 'user:admin' })
  t.same(log[0].metadata, { name: 'GPT-4', status: 'active' })
  t.same(log[0].target, { type: 'model', id: 'gpt-4' })
  t.same(log[1].metadata, {})
  t.match(log[1].reason, /gpt-4 already exists/)
  t.same(log[2].metadata, { name: 'tests', status: 'submitted' })
  t.same(log[2].target, { type: 'task', id: task.id }, 'the id the registry chose')
  t.same(log[4].metadata, { fields: ['owner', 'status'], from: 'active', to: 'paused' })
  t.same(log[5].metadata, { fields: ['name'] }, 'no status change, no from/to')
  t.same(log[7].metadata, { fields: ['status'] })
  t.match(log[7].reason, /retired is final/)
  t.same(log[8].metadata, { name: 'GPT-4', status: 'active' })
})

t.test('notifier: the caller acknowledges alerts and authors silences', async (t) => {
  const { app } = await build(t, { healthScheduler: false })
  const now = Date.now()
  const res = await app.inject({ method: 'POST', url: '/silences', headers: adminHeaders, payload: { services: ['order'], startsAt: new Date(now).toISOString(), endsAt: new Date(now + 60_000).toISOString(), comment: 'deploy' } })
  t.equal(res.statusCode, 201)
  t.equal(res.json().author, 'admin')
})
