import t from 'tap'
import { build, adminHeaders } from '../helper.js'
import { applyPatch, checkTransition, newItem } from '../../src/domain/context/status-rules.js'

t.test('status rules, pure', async (t) => {
  t.doesNotThrow(() => checkTransition('tasks', 't', 'submitted', 'working'))
  t.doesNotThrow(() => checkTransition('tasks', 't', 'working', 'input_required'))
  t.doesNotThrow(() => checkTransition('tasks', 't', 'input_required', 'working'))
  t.doesNotThrow(() => checkTransition('tasks', 't', 'completed', 'completed'), 'staying is allowed')
  t.throws(() => checkTransition('tasks', 't', 'completed', 'working'), /completed is final/)
  t.throws(() => checkTransition('tasks', 't', 'canceled', 'submitted'), /canceled is final/)
  t.throws(() => checkTransition('tasks', 't', 'submitted', 'completed'), /cannot go from submitted to completed/)
  t.doesNotThrow(() => checkTransition('agents', 'a', 'active', 'paused'))
  t.doesNotThrow(() => checkTransition('agents', 'a', 'paused', 'active'))
  t.throws(() => checkTransition('agents', 'a', 'retired', 'active'), /retired is final/)
  const task = newItem('tasks', { id: 't', name: 'tests', status: 'submitted' }, '2026-01-01T00:00:00.000Z')
  const working = applyPatch('tasks', task, { status: 'working' }, '2026-01-01T00:01:00.000Z')
  t.equal(working.startedAt, '2026-01-01T00:01:00.000Z')
  const done = applyPatch('tasks', working, { status: 'completed', result: 'all green' }, '2026-01-01T00:02:00.000Z')
  t.match(done, { startedAt: '2026-01-01T00:01:00.000Z', completedAt: '2026-01-01T00:02:00.000Z', createdAt: '2026-01-01T00:00:00.000Z', result: 'all green' })
})

t.test('models, agents and tasks over HTTP: CRUD, status rules, every change audited', async (t) => {
  const { app } = await build(t)
  const h = adminHeaders
  t.equal((await app.inject({ url: '/context/models' })).statusCode, 401)

  const model = await app.inject({ method: 'POST', url: '/context/models', headers: h, payload: { id: 'gpt-4', name: 'GPT-4', version: '1.0', capabilities: ['text', 'code'] } })
  t.equal(model.statusCode, 201, model.body)
  t.match(model.json(), { id: 'gpt-4', name: 'GPT-4', status: 'active', capabilities: ['text', 'code'] })
  t.equal((await app.inject({ method: 'POST', url: '/context/models', headers: h, payload: { id: 'gpt-4', name: 'again' } })).statusCode, 409)
  const badModel = await app.inject({ method: 'POST', url: '/context/models', headers: h, payload: { name: 'x', status: 'sleeping' } })
  t.equal(badModel.statusCode, 400)
  t.match(badModel.json().message, /status/)

  const agent = (await app.inject({ method: 'POST', url: '/context/agents', headers: h, payload: { id: 'agent-001', name: 'Helper', type: 'customer-service', model: 'gpt-4', tools: ['refund'] } })).json()
  t.equal(agent.status, 'active')
  t.equal((await app.inject({ method: 'PATCH', url: '/context/agents/agent-001', headers: h, payload: { status: 'paused' } })).json().status, 'paused')
  t.equal((await app.inject({ method: 'PATCH', url: '/context/agents/agent-001', headers: h, payload: { status: 'retired' } })).statusCode, 200)
  const revive = await app.inject({ method: 'PATCH', url: '/context/agents/agent-001', headers: h, payload: { status: 'active' } })
  t.equal(revive.statusCode, 409)
  t.match(revive.json().message, /retired is final/)

  const task = (await app.inject({ method: 'POST', url: '/context/tasks', headers: h, payload: { name: 'tests', assignee: 'agent-001' } })).json()
  t.match(task, { name: 'tests', status: 'submitted', id: /^[0-9A-Z]{26}$/ })
  t.equal((await app.inject({ method: 'PATCH', url: `/context/tasks/${task.id}`, headers: h, payload: { status: 'working' } })).statusCode, 200)
  const done = await app.inject({ method: 'PATCH', url: `/context/tasks/${task.id}`, headers: h, payload: { status: 'completed', result: '120 passed' } })
  t.match(done.json(), { status: 'completed', result: '120 passed', startedAt: String, completedAt: String })
  const back = await app.inject({ method: 'PATCH', url: `/context/tasks/${task.id}`, headers: h, payload: { status: 'working' } })
  t.equal(back.statusCode, 409, 'no completed → working')
  t.equal((await app.inject({ url: `/context/tasks/${task.id}`, headers: h })).json().status, 'completed', 'the refused change left it as it was')
  t.equal((await app.inject({ method: 'PATCH', url: '/context/tasks/nope', headers: h, payload: { status: 'working' } })).statusCode, 404)
  t.equal((await app.inject({ method: 'PATCH', url: `/context/tasks/${task.id}`, headers: h, payload: {} })).statusCode, 400)
  t.match(await app.context.latestTask('tests'), { id: task.id, status: 'completed' })
  t.equal(await app.context.latestTask('nothing'), undefined)

  // lists: filter and cursor
  for (let i = 0; i < 5; i++) await app.inject({ method: 'POST', url: '/context/tasks', headers: h, payload: { id: `job-${i}`, name: 'nightly', status: i % 2 ? 'working' : 'submitted' } })
  t.equal((await app.inject({ url: '/context/tasks?status=working', headers: h })).json().items.length, 2)
  const p1 = (await app.inject({ url: '/context/tasks?name=nightly&limit=3', headers: h })).json()
  const p2 = (await app.inject({ url: `/context/tasks?name=nightly&limit=3&cursor=${p1.nextCursor}`, headers: h })).json()
  t.same([...p1.items, ...p2.items].map((x: { id: string }) => x.id), ['job-0', 'job-1', 'job-2', 'job-3', 'job-4'])
  t.equal(p2.nextCursor, null)

  t.equal((await app.inject({ method: 'DELETE', url: '/context/models/gpt-4', headers: h })).statusCode, 204)
  t.equal((await app.inject({ method: 'DELETE', url: '/context/models/gpt-4', headers: h })).statusCode, 404)

  const snapshot = (await app.inject({ url: '/context?limit=5', headers: h })).json()
  t.same(Object.keys(snapshot).sort(), ['agents', 'audit', 'events', 'models', 'tasks'])
  t.equal(snapshot.models.length, 0)
  t.equal(snapshot.agents[0].id, 'agent-001')
  t.equal(snapshot.audit.length, 5, 'the latest audit entries, bounded')

  const audit = (await app.inject({ url: '/audit?action=context.&limit=100', headers: h })).json().entries
  const actions = audit.map((e: { action: string, outcome: string }) => `${e.action}:${e.outcome}`).reverse()
  t.same(actions.slice(0, 11), [
    'context.model.create:success',
    'context.model.create:failure',
    'context.agent.create:success',
    'context.agent.update:success',
    'context.agent.update:success',
    'context.agent.update:failure',
    'context.task.create:success',
    'context.task.update:success',
    'context.task.update:success',
    'context.task.update:failure',
    'context.task.create:success',
  ])
  t.equal(actions[actions.length - 1], 'context.model.delete:success')
  t.match(audit.find((e: { action: string }) => e.action === 'context.agent.update'), { actor: { type: 'user', id: 'admin' }, target: { type: 'agent', id: 'agent-001' } })
  t.match((await app.inject({ url: '/audit/verify', headers: h })).json(), { ok: true })
})
